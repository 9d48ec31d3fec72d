#pragma once
// For the studio's tests: the studio (or chromedriver) as a background process, and HTTP.
#include "support.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/types.h>

namespace avdream::test {

// A command run in the background (sh -c), its output in files; SIGTERM and waited for at the end.
class Background {
 public:
  explicit Background(const std::string& command_line);
  ~Background();
  void stop();  // SIGTERM, then wait; returns when it has ended
  // Waits up to `seconds` for `text` in its stdout; returns the line holding it ("" on time-out).
  std::string wait_for_line(const std::string& text, double seconds) const;
  std::string output() const;
  std::string errors() const;
  int exit_code() const { return exit_code_; }

 private:
  TempDir io_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// `avdream studio --port 0 --dir DIR [extra]`, and a client for it.
class RunningStudio {
 public:
  explicit RunningStudio(const fs::path& dir, const std::string& extra = "");
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client client() const;
  // Changes carry the studio's header.
  httplib::Result post_json(const std::string& path, const nlohmann::json& body) const;
  httplib::Result upload(const fs::path& file) const;
  // Polls the job until it is finished (or `seconds` pass); returns it.
  nlohmann::json wait_job(const std::string& id, double seconds) const;
  void stop() { process_.stop(); }
  const Background& process() const { return process_; }

 private:
  Background process_;
  int port_ = 0;
};

}  // namespace avdream::test
