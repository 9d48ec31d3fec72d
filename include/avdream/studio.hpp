#pragma once
// avdream studio: a local web page for dreaming pictures, clips and sounds (like Deep Dream
// Generator, on your own machine). One HTTP server (cpp-httplib) serving the page (compiled
// into the binary) and one JSON job API (studio/API.md) that the page and scripts use.
//
//   Studio studio({.dir = "~/.local/share/avdream/studio"});
//   int port = studio.bind();          // 127.0.0.1:8080 by default; port 0 picks a free one
//   studio.serve();                    // until stop() (from another thread)
//
// Everything it keeps lies under `dir`: uploads/ (each checked by decoding it), jobs/ (each
// job's settings, state and result: the queue and finished results survive a restart) and
// gallery/ (the layer thumbnails, rendered once per model). Requests never name files: ids are
// made by the server and checked. Jobs run one (or two) at a time on a worker thread.
#include <cstdint>
#include <memory>
#include <string>

namespace avdream {

struct StudioSettings {
  std::string host = "127.0.0.1";  // another address only when asked (the CLI warns)
  int port = 8080;                 // 0: any free port (bind() says which)
  std::string dir;                 // the studio's working folder (created)
  int jobs = 1;                    // jobs dreamed at a time: 1 or 2 (2 cores)
  int64_t max_upload_mb = 200;
};

// The default working folder: $XDG_DATA_HOME/avdream/studio, else ~/.local/share/avdream/studio.
std::string default_studio_dir();

class Studio {
 public:
  // Checks the settings, creates the folders and reads the jobs kept there (queued ones are
  // queued again; one that was running when the server stopped is marked failed). Throws
  // UsageError.
  explicit Studio(StudioSettings settings);
  ~Studio();
  Studio(const Studio&) = delete;
  Studio& operator=(const Studio&) = delete;

  // Binds the address; returns the port. Throws Error when it cannot.
  int bind();
  // Serves until stop(); the job workers start here.
  void serve();
  // Stops serving (any thread); running jobs are cancelled, leaving no half files.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace avdream
