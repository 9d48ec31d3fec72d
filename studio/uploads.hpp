#pragma once
// Uploaded media: each in uploads/ID/ as original.EXT (the extension from a fixed list, never
// the client's name) with upload.json, and a poster.png for pictures and clips (the picture, or
// the clip's first frame: the "before" of a comparison, and what a clip's preview dreams).
#include "store.hpp"

#include <optional>

namespace avdream::studio {

struct Upload {
  std::string id, kind;  // kind: picture, clip or sound
  std::string name;      // the client's file name, for display only
  std::string ext;       // ".png", ".mp4", ...
  int64_t bytes = 0;
  int width = 0, height = 0;
  double duration = 0;
  fs::path dir;          // uploads/ID
  fs::path file() const { return dir / ("original" + ext); }
  fs::path poster() const { return dir / "poster.png"; }
  nlohmann::json to_json() const;
};

// What kind an extension says a file is ("" for none of the three).
std::string kind_of_extension(const std::string& ext);

// Takes a received file (already in `received`, written by the server as it streamed in) into
// uploads/: checks that it decodes as the kind its extension says, reads its size or length,
// makes its poster. Throws Error (the reason, one line) and removes it when it is not media.
Upload accept_upload(const fs::path& uploads, const fs::path& received, const std::string& client_name);

// The upload `id` (already checked with is_id), or nullopt.
std::optional<Upload> find_upload(const fs::path& uploads, const std::string& id);

}  // namespace avdream::studio
