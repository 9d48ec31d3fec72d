#include "output_file.hpp"

#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>

namespace avdream::av {

OutputFile::OutputFile(const std::string& path, bool dry) : target_(path), dry_(dry) {
  if (!dry_) temp_ = partial_path(path);
  AVFormatContext* raw = nullptr;
  // The muxer is chosen by the target's name: the temporary one's extension may differ.
  check(avformat_alloc_output_context2(&raw, av_guess_format(nullptr, path.c_str(), nullptr), nullptr,
                                       dry_ ? path.c_str() : temp_.c_str()),
        "output '" + path + "'");
  out_.reset(raw);
}

OutputFile::~OutputFile() {
  if (finished_ || dry_) return;
  out_.reset();  // closes the file first
  discard_partial(temp_);
}

void OutputFile::write_header() {
  if (dry_) check(avio_open_dyn_buf(&out_->pb), "memory for a header");
  else check(avio_open(&out_->pb, temp_.c_str(), AVIO_FLAG_WRITE), "creating '" + target_ + "'");
  Dictionary opts;
  const std::string fmt = out_->oformat->name;
  // NUT is the farm's segment container: its times must stay exactly as written, or a segment
  // that starts at time 0 (with B-frames, decoding before it) would be shifted and no other.
  if (fmt == "nut") out_->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
  if (fmt.find("mp4") != std::string::npos || fmt.find("mov") != std::string::npos)
    av_dict_set(opts.address(), "movflags", "+faststart", 0);
  const int r = avformat_write_header(out_.get(), opts.address());
  if (dry_) {
    uint8_t* header = nullptr;
    avio_close_dyn_buf(out_->pb, &header);
    const BufferPtr discard(header);
    out_->pb = nullptr;
  }
  check(r, dry_ ? "the " + fmt + " muxer refuses it" : "writing the header of '" + target_ + "'");
}

void OutputFile::write(AVPacket* packet) { write_packet(out_.get(), packet, target_); }

void OutputFile::finish() {
  check(av_write_trailer(out_.get()), "finishing '" + target_ + "'");
  out_.reset();
  commit_partial(temp_, target_);
  finished_ = true;
}

}  // namespace avdream::av
