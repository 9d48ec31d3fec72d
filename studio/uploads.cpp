#include "uploads.hpp"

#include <avdream/audio_io.hpp>
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/media.hpp>
#include <avdream/paths.hpp>

#include <opencv2/imgproc.hpp>

namespace avdream::studio {

nlohmann::json Upload::to_json() const {
  nlohmann::json j = {{"id", id}, {"kind", kind}, {"name", name}, {"bytes", bytes}};
  if (kind != "sound") j["width"] = width, j["height"] = height;
  if (kind != "picture") j["duration"] = duration;
  return j;
}

std::string kind_of_extension(const std::string& ext) {
  for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
    if (ext == e) return "picture";
  for (const char* e : {".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v"})
    if (ext == e) return "clip";
  for (const char* e : {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus"})
    if (ext == e) return "sound";
  return "";
}

namespace {

// Reads the file as its kind; fills the size or length and writes the poster.
void inspect(Upload& u) {
  if (u.kind == "picture") {
    const auto picture = load_picture(u.file().string());
    u.height = static_cast<int>(picture.rgb.size(1));
    u.width = static_cast<int>(picture.rgb.size(2));
    save_image(tensor_to_bgr(picture.rgb), u.poster().string());
  } else if (u.kind == "clip") {
    VideoReader reader(u.file().string());
    const auto first = reader.next();
    if (!first) throw Error("no frame decodes");
    u.width = reader.info().width;
    u.height = reader.info().height;
    u.duration = reader.info().duration;
    cv::Mat bgr;
    cv::cvtColor(first->rgb, bgr, cv::COLOR_RGB2BGR);
    save_image(bgr, u.poster().string());
  } else {
    AudioReader reader(u.file().string());
    if (reader.read(4096).empty()) throw Error("no sound decodes");
    u.duration = reader.info().duration;
  }
}

}  // namespace

Upload accept_upload(const fs::path& uploads, const fs::path& received, const std::string& client_name) {
  Upload u;
  u.ext = lower_extension(client_name);
  u.kind = kind_of_extension(u.ext);
  std::error_code ec;
  if (u.kind.empty()) {
    fs::remove(received, ec);
    throw Error("'" + client_name + "' is not a picture, clip or sound avdream reads (by its extension)");
  }
  u.id = make_id();
  u.name = client_name.substr(0, 200);
  u.dir = uploads / u.id;
  fs::create_directories(u.dir);
  fs::rename(received, u.file());
  u.bytes = static_cast<int64_t>(fs::file_size(u.file()));
  try {
    inspect(u);
  } catch (const std::exception& e) {
    fs::remove_all(u.dir, ec);
    throw Error("'" + client_name + "' is not a readable " + u.kind + ": " + e.what());
  }
  write_json(u.dir / "upload.json", u.to_json());
  return u;
}

std::optional<Upload> find_upload(const fs::path& uploads, const std::string& id) {
  const auto j = read_json(uploads / id / "upload.json");
  if (!j.is_object()) return std::nullopt;
  Upload u;
  u.id = id;
  u.kind = j.value("kind", "");
  u.name = j.value("name", "");
  u.bytes = j.value("bytes", int64_t{0});
  u.width = j.value("width", 0);
  u.height = j.value("height", 0);
  u.duration = j.value("duration", 0.0);
  u.ext = lower_extension(u.name);
  u.dir = uploads / id;
  if (kind_of_extension(u.ext) != u.kind || !fs::exists(u.file())) return std::nullopt;
  return u;
}

}  // namespace avdream::studio
