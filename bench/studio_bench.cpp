// avdream studio's figures (issue #19), from a real studio process on a free port:
//   time from upload to the first preview of a 640x360 picture (upload, job, preview done);
//   the layer gallery of the default model: every layer's thumbnail the first time and cached;
//   the studio's resident memory idle, and its peak during a clip render.
//
//   build/bench/studio_bench
#include <avdream/avdream.hpp>

#include "bench_support.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace avdream;
using bench::kShared;
using bench::seconds_since;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const httplib::Headers kChange = {{"X-Avdream-Studio", "1"}};

double rss_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

std::string upload(httplib::Client& c, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const auto r = c.Post("/api/uploads", kChange, {{"file", bytes.str(), file.filename().string(), ""}});
  return json::parse(r->body)["id"];
}

json wait(httplib::Client& c, const std::string& job, pid_t pid = 0, double* peak = nullptr) {
  for (;;) {
    const auto j = json::parse(c.Get(("/api/jobs/" + job).c_str())->body);
    if (peak) *peak = std::max(*peak, rss_mb(pid));
    if (j["state"] != "queued" && j["state"] != "running") return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int main() {
  std::signal(SIGPIPE, SIG_IGN);
  const fs::path dir = fs::temp_directory_path() / ("studio_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto log = (dir / "studio.out").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string cmd = "exec '" AVDREAM_BINARY "' studio --port 0 --dir '" + (dir / "studio").string() + "' >'" + log + "' 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int port = 0;
  for (int i = 0; i < 300 && !port; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (const auto at = text.find("http://127.0.0.1:"); at != std::string::npos) port = std::stoi(text.substr(at + 17));
  }
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(600, 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::printf("avdream studio: idle resident memory %.0f MB\n", rss_mb(pid));

  // A 640x360 picture: upload to the first preview.
  cv::Mat photo = cv::imread((kShared / "samples/images/dog.jpg").string()), sized;
  cv::resize(photo, sized, {640, 360}, 0, 0, cv::INTER_AREA);
  cv::imwrite((dir / "dog640.png").string(), sized);
  auto t0 = Clock::now();
  const auto id = upload(c, dir / "dog640.png");
  const double uploaded = seconds_since(t0);
  const std::string job = json::parse(c.Post("/api/jobs", kChange, json{{"upload", id}, {"mode", "dream"}, {"preview", true}}.dump(),
                                             "application/json")->body)["id"];
  const auto done = wait(c, job);
  std::printf("640x360 picture: upload %.2f s, upload to preview done %.2f s (the job itself %.2f s, state %s)\n", uploaded,
              seconds_since(t0), done["seconds"].get<double>(), done["state"].get<std::string>().c_str());

  // The gallery of the default model: first time, then cached.
  const auto info = json::parse(c.Get("/api/info")->body);
  json model;
  for (const auto& m : info["models"])
    if (m["name"] == kDefaultImageModel) model = m;
  for (int pass = 0; pass < 2; ++pass) {
    t0 = Clock::now();
    for (const auto& layer : model["layers"])
      c.Get(("/api/gallery/" + model["name"].get<std::string>() + "/" + layer["name"].get<std::string>() + ".png").c_str());
    std::printf("layer gallery of %s (%zu layers): %s %.2f s\n", kDefaultImageModel, model["layers"].size(),
                pass ? "cached" : "first time", seconds_since(t0));
  }

  // A clip render: peak memory of the studio while it runs.
  const auto clip = upload(c, kShared / "samples/video/mov_bbb.mp4");
  const double before = rss_mb(pid);
  double peak = before;
  t0 = Clock::now();
  const std::string render = json::parse(c.Post("/api/jobs", kChange, json{{"upload", clip}, {"mode", "dream"}}.dump(),
                                                "application/json")->body)["id"];
  const auto rendered = wait(c, render, pid, &peak);
  std::printf("clip render (mov_bbb.mp4, 10 s with its soundtrack): %.1f s, state %s; studio memory %.0f MB before, "
              "peak %.0f MB during, %.0f MB after\n", seconds_since(t0), rendered["state"].get<std::string>().c_str(),
              before, peak, rss_mb(pid));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  fs::remove_all(dir);
  return 0;
}
