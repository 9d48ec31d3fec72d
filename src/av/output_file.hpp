#pragma once
// One output file being muxed: written under a temporary name beside its target and renamed
// into place by finish(); destroyed unfinished, the temporary file goes. A dry one writes its
// header into memory only (to learn before any work whether the muxer takes the streams).
#include <string>

#include "ptr.hpp"

namespace avdream::av {

class OutputFile {
 public:
  // Container from `path`'s extension. Throws Error when FFmpeg knows no muxer for it.
  OutputFile(const std::string& path, bool dry);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  AVFormatContext* format() const { return out_.get(); }
  const std::string& path() const { return target_; }  // the target, for messages
  bool dry() const { return dry_; }

  // With every stream added: opens the file and writes the header (mp4/mov with the index in
  // front, NUT with its times exactly as written). Throws Error with the muxer's reason.
  void write_header();
  // One packet, timestamps in its stream's time base (see av::write_packet).
  void write(AVPacket* packet);
  // The trailer, then the rename into place.
  void finish();

 private:
  std::string target_, temp_;
  OutputFormatPtr out_;
  bool dry_ = false;
  bool finished_ = false;
};

}  // namespace avdream::av
