#include "studio_support.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace avdream::test {
namespace {

// A server may answer (413) and close before a large body is sent: the write then fails with
// EPIPE instead of killing the test binary.
const bool kPipeIgnored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

}  // namespace

Background::Background(const std::string& command_line) {
  const auto out = (io_ / "out").string(), err = (io_ / "err").string();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    const std::string cmd = "exec </dev/null >'" + out + "' 2>'" + err + "'; exec " + command_line;
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

Background::~Background() { stop(); }

void Background::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (::waitpid(pid_, &status, WNOHANG) == 0) {  // still there after 10 s: not a clean stop
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  pid_ = -1;
}

std::string Background::wait_for_line(const std::string& text, double seconds) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    std::stringstream lines(output());
    for (std::string line; std::getline(lines, line);)
      if (line.find(text) != std::string::npos) return line;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

std::string Background::output() const { return slurp(io_ / "out"); }
std::string Background::errors() const { return slurp(io_ / "err"); }

RunningStudio::RunningStudio(const fs::path& dir, const std::string& extra)
    : process_("'" + avdream_binary().string() + "' studio --port 0 --dir '" + dir.string() + "' " + extra) {
  const auto line = process_.wait_for_line("http://127.0.0.1:", 30);
  const auto at = line.find("http://127.0.0.1:");
  if (at != std::string::npos) port_ = std::stoi(line.substr(at + 17));
  EXPECT_GT(port_, 0) << process_.output() << process_.errors();
}

httplib::Client RunningStudio::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(120, 0);
  return c;
}

httplib::Result RunningStudio::post_json(const std::string& path, const nlohmann::json& body) const {
  return client().Post(path.c_str(), {{"X-Avdream-Studio", "1"}}, body.dump(), "application/json");
}

httplib::Result RunningStudio::upload(const fs::path& file) const {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  httplib::MultipartFormDataItems items = {{"file", bytes.str(), file.filename().string(), "application/octet-stream"}};
  return client().Post("/api/uploads", {{"X-Avdream-Studio", "1"}}, items);
}

nlohmann::json RunningStudio::wait_job(const std::string& id, double seconds) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < until) {
    const auto r = client().Get(("/api/jobs/" + id).c_str());
    if (r && r->status == 200) {
      job = nlohmann::json::parse(r->body);
      const std::string state = job["state"];
      if (state == "done" || state == "failed" || state == "cancelled") return job;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return job;
}

}  // namespace avdream::test
