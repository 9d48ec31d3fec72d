// avdream studio: the JSON API end to end (uploads, jobs, the queue, cancel, a restart), its
// safety rules, and the page driven in Debian's headless Chromium through chromedriver.
#include "studio_support.hpp"

#include <avdream/audio_style.hpp>

#include <opencv2/imgcodecs.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace avdream::test {
namespace {

using nlohmann::json;

json body_of(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

std::string upload_id(const RunningStudio& studio, const fs::path& file) {
  const auto r = studio.upload(file);
  EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
  return r && r->status == 201 ? body_of(r)["id"].get<std::string>() : "";
}

// A connection that sends half a request line and waits (the socket, to close).
int half_request(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const char partial[] = "GET /api/in";
    [[maybe_unused]] const auto sent = ::send(fd, partial, sizeof partial - 1, 0);
  }
  return fd;
}

cv::Mat decode_png(const std::string& bytes) {
  return cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data())), cv::IMREAD_COLOR);
}

TEST(Studio, DreamsAPictureFromPreviewToResultAndKeepsItAcrossARestart) {
  TempDir dir;
  std::string job_id;
  {
    RunningStudio studio(dir.path());
    const auto info = body_of(studio.client().Get("/api/info"));
    ASSERT_TRUE(info.is_object());
    EXPECT_EQ(info["version"], version());
    EXPECT_FALSE(info["models"].empty());
    const auto id = upload_id(studio, sample_image("owl.jpg"));
    const cv::Mat owl = cv::imread(sample_image("owl.jpg").string());

    auto r = studio.post_json("/api/jobs", {{"upload", id}, {"mode", "dream"}, {"layers", "block_12"}, {"preview", true}});
    ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "");
    auto job = studio.wait_job(body_of(r)["id"], 120);
    ASSERT_EQ(job["state"], "done") << job.dump();
    std::cout << "preview of a " << owl.cols << "x" << owl.rows << " photo: " << job["seconds"] << " s\n";
    auto png = studio.client().Get(job["result"].get<std::string>().c_str());
    ASSERT_TRUE(png && png->status == 200);
    cv::Mat preview = decode_png(png->body);
    ASSERT_EQ(preview.size(), owl.size());
    EXPECT_GT(cv::norm(preview, owl, cv::NORM_L1) / (owl.total() * 3.0), 3.0);  // dreamed

    // A guide picture steers the same preview elsewhere.
    const auto guide = upload_id(studio, sample_image("dog.jpg"));
    r = studio.post_json("/api/jobs", {{"upload", id}, {"mode", "dream"}, {"layers", "block_12"}, {"preview", true},
                                       {"guide", guide}});
    ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "");
    job = studio.wait_job(body_of(r)["id"], 120);
    ASSERT_EQ(job["state"], "done") << job.dump();
    EXPECT_EQ(job["settings"]["guide"], guide);
    const auto guided = studio.client().Get(job["result"].get<std::string>().c_str());
    ASSERT_TRUE(guided && guided->status == 200);
    EXPECT_GT(cv::norm(decode_png(guided->body), preview, cv::NORM_L1) / (owl.total() * 3.0), 1.0);

    r = studio.post_json("/api/jobs", {{"upload", id}, {"mode", "filter"}, {"filter", "default"}});
    ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "");
    job_id = body_of(r)["id"];
    job = studio.wait_job(job_id, 120);
    ASSERT_EQ(job["state"], "done") << job.dump();
  }
  RunningStudio again(dir.path());  // a restart keeps finished results
  const auto jobs = body_of(again.client().Get("/api/jobs"));
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0]["id"], job_id);  // newest first
  const auto download = again.client().Get(("/api/jobs/" + job_id + "/result.png?download=1").c_str());
  ASSERT_TRUE(download && download->status == 200);
  EXPECT_NE(download->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(decode_png(download->body).size(), cv::imread(sample_image("owl.jpg").string()).size());
}

// The sound mode with a style sound: the CLI's --audio-style, behind the same API.
TEST(Studio, GivesASoundTheTextureOfAnotherSound) {
  TempDir dir;
  RunningStudio studio(dir.path());
  const auto bark_file = shared_dir() / "samples/audio/dog/sounds_dog_bark.flac";
  const auto canary_file = shared_dir() / "samples/audio/bird/sounds_canary_03.flac";
  const auto bark = upload_id(studio, bark_file), canary = upload_id(studio, canary_file);
  const auto owl = upload_id(studio, sample_image("owl.jpg"));
  for (const json& bad : {json{{"upload", bark}, {"mode", "sound"}, {"style", owl}},
                          json{{"upload", bark}, {"mode", "sound"}, {"style", canary}, {"classes", {"Bird"}}},
                          json{{"upload", bark}, {"mode", "sound"}, {"style", "../canary"}}}) {
    const auto r = studio.post_json("/api/jobs", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad.dump() << " -> " << r->body;
  }
  const auto r = studio.post_json("/api/jobs", {{"upload", bark}, {"mode", "sound"}, {"style", canary}, {"steps", 20}});
  ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "");
  const auto job = studio.wait_job(body_of(r)["id"], 240);
  ASSERT_EQ(job["state"], "done") << job.dump();
  const auto id = job["id"].get<std::string>();
  const auto wav = studio.client().Get(("/api/jobs/" + id + "/result.wav").c_str());
  ASSERT_TRUE(wav && wav->status == 200);
  TempDir out;
  std::ofstream(out / "styled.wav", std::ios::binary) << wav->body;

  // Nearer the canary's texture than the bark was (the random network's Gram distance, the
  // studio's default), and as long as the bark.
  const auto model = load_model(kDefaultSoundModel, ModelKind::LogMel, "sound");
  AudioStyleSettings settings;
  settings.sound = canary_file.string();
  const auto style = AudioStyle::from_file(model, settings, 0);
  const auto distance = [&](const fs::path& file) {
    const auto clip = read_audio(file.string());
    return style.distance(log_stft_magnitude(model, clip.channel(-1), clip.sample_rate)).item<double>();
  };
  const auto source = read_audio(bark_file.string()), styled = read_audio((out / "styled.wav").string());
  EXPECT_NEAR(styled.duration(), source.duration(), 0.05);
  const double before = distance(bark_file), after = distance(out / "styled.wav");
  std::cout << "style distance to the canary: bark " << before << ", studio's result " << after << "\n";
  EXPECT_LT(after, 0.7 * before);
  EXPECT_TRUE(fs::exists(dir / "jobs" / id / "spectrograms.png"));
}

TEST(Studio, RefusesWhatIsNotMediaTooLargeOutsideItsFolderOrFromElsewhere) {
  TempDir dir, files;
  RunningStudio studio(dir.path(), "--max-upload 1");
  std::ofstream(files / "notes.png") << "this is text, not a picture";
  auto r = studio.upload(files / "notes.png");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415) << r->body;
  EXPECT_NE(body_of(r)["error"].get<std::string>().find("notes.png"), std::string::npos);
  EXPECT_EQ(body_of(r)["error"].get<std::string>().find(dir.path().string()), std::string::npos)
      << "the studio's folders stay its own";
  std::ofstream(files / "script.sh") << "#!/bin/sh\n";
  EXPECT_EQ(studio.upload(files / "script.sh")->status, 415);
  {
    std::ofstream big(files / "big.wav", std::ios::binary);
    big << std::string(3 * 1024 * 1024, 'x');
  }
  r = studio.upload(files / "big.wav");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;

  // Paths: nothing a request says reaches the file system unchecked.
  auto c = studio.client();
  for (const char* p : {"/api/uploads/../../../../etc/passwd", "/api/uploads/..%2f..%2fetc%2fpasswd/file",
                        "/api/jobs/../../etc/passwd", "/api/gallery/..%2f..%2fetc/passwd.png", "/../../etc/passwd",
                        "/api/jobs/0123456789abcdef/result.png"}) {
    const auto got = c.Get(p);
    ASSERT_TRUE(got) << p;
    EXPECT_GE(got->status, 400) << p;
    EXPECT_EQ(got->body.find("root:"), std::string::npos) << p;
  }
  const auto owl = upload_id(studio, sample_image("owl.jpg"));
  for (const json& bad : {json{{"upload", "../../etc/passwd"}, {"mode", "dream"}},
                          json{{"upload", owl}, {"mode", "dream"}, {"model", "../../../etc/passwd"}},
                          json{{"upload", owl}, {"mode", "dream"}, {"layers", "../x"}},
                          json{{"upload", owl}, {"mode", "style"}, {"style", "../../owl.jpg"}},
                          json{{"upload", owl}, {"mode", "filter"}, {"filter", "/etc/passwd"}},
                          json{{"upload", owl}, {"mode", "sound"}}, json{{"upload", owl}, {"mode", "rm -rf"}},
                          json{{"upload", owl}, {"mode", "dream"}, {"octaves", "many"}},
                          json{{"upload", owl}, {"mode", "dream"}, {"guide", "ffffffffffffffff"}},
                          json{{"upload", owl}, {"mode", "dream"}, {"guide", "../owl.jpg"}},
                          json{{"upload", owl}, {"mode", "filter"}, {"filter", "default"}, {"guide", owl}},
                          json{{"upload", owl}, {"mode", "dream"}, {"gide", owl}},
                          json{{"upload", owl}, {"mode", "dream"}, {"seed", -1}}}) {
    r = studio.post_json("/api/jobs", bad);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->status == 400 || r->status == 404) << bad.dump() << " -> " << r->status << " " << r->body;
  }
  // What no route answers still says why, as JSON.
  r = c.Get("/api/nosuch");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(body_of(r)["error"].is_string()) << r->body;
  // Connections that hold a thread (event streams, a client that sends half a request) do not
  // lock the others out: cpp-httplib's default pool had 8 threads.
  std::vector<int> half_open;
  for (int i = 0; i < 12; ++i) half_open.push_back(half_request(studio.port()));
  const auto t0 = std::chrono::steady_clock::now();
  r = c.Get("/api/info");
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const int fd : half_open) ::close(fd);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(waited, 2.0) << "twelve half-sent requests held the studio up";

  // A page elsewhere cannot change anything: no studio header, or a Host that is not loopback.
  r = c.Post("/api/jobs", json{{"upload", owl}, {"mode", "dream"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 403);
  r = c.Get("/api/info", {{"Host", "evil.example:80"}});
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_of(c.Get("/api/jobs")).size(), 0u);  // nothing was queued
  int files_in_uploads = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "uploads")) files_in_uploads += e.is_regular_file();
  EXPECT_EQ(files_in_uploads, 3);  // owl: original, poster, upload.json; nothing of the refused ones
}

TEST(Studio, RunsOneJobAtATimeAndACancelledJobLeavesNoFile) {
  TempDir dir;
  RunningStudio studio(dir.path());
  const auto clip = upload_id(studio, panning_clip(dir, "pan.mp4", true));
  const json render = {{"upload", clip}, {"mode", "dream"}, {"octaves", 2}};
  const std::string first = body_of(studio.post_json("/api/jobs", render))["id"];
  const std::string second = body_of(studio.post_json("/api/jobs", render))["id"];
  json a, b;
  for (int i = 0; i < 300; ++i) {  // until the first shows progress
    a = body_of(studio.client().Get(("/api/jobs/" + first).c_str()));
    if (a["state"] == "running" && a["progress"].get<double>() > 0.3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  b = body_of(studio.client().Get(("/api/jobs/" + second).c_str()));
  ASSERT_EQ(a["state"], "running") << a.dump();
  EXPECT_EQ(b["state"], "queued");  // two cores: one job at a time
  EXPECT_GT(a["eta"].get<double>(), 0.0);
  ASSERT_EQ(studio.post_json("/api/jobs/" + first + "/cancel", json::object())->status, 200);
  a = studio.wait_job(first, 60);
  EXPECT_EQ(a["state"], "cancelled");
  b = studio.wait_job(second, 300);
  EXPECT_EQ(b["state"], "done") << b.dump();
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir / "jobs" / first)) left.push_back(e.path().filename());
  EXPECT_EQ(left, std::vector<std::string>{"job.json"});  // no result, no partial file
  const auto mp4 = studio.client().Get(b["result"].get<std::string>().c_str());
  ASSERT_TRUE(mp4 && mp4->status == 200);
  std::ofstream(dir / "got.mp4", std::ios::binary) << mp4->body;
  const auto frames = read_frames((dir / "got.mp4").string());
  EXPECT_EQ(frames.times.size(), 30u);
  EXPECT_EQ(probe((dir / "got.mp4").string()).audio_streams, 1);
}

}  // namespace
}  // namespace avdream::test
