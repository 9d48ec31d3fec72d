// The studio's page in a real browser: Debian's headless Chromium driven through chromedriver
// (W3C WebDriver over HTTP). Uploads a photo, picks a layer from the gallery, previews, renders,
// downloads; then a clip, a sound and the sound in the style of another. A screenshot of each
// step goes to build/tests/studio-screenshots/ (look at them).
#include "studio_support.hpp"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace avdream::test {
namespace {

using nlohmann::json;
constexpr const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

std::string base64_decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int value = 0, bits = -8;
  for (const char c : in) {
    const auto at = chars.find(c);
    if (at == std::string::npos) continue;
    value = (value << 6) + static_cast<int>(at);
    bits += 6;
    if (bits >= 0) out.push_back(static_cast<char>((value >> bits) & 0xff)), bits -= 8;
  }
  return out;
}

// A browser session through chromedriver.
class Browser {
 public:
  Browser() : driver_("chromedriver --port=" + std::to_string(port_)) {
    for (int i = 0; i < 100 && !http().Get("/status"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const json caps = {{"capabilities",
                        {{"alwaysMatch",
                          {{"browserName", "chrome"},
                           {"goog:chromeOptions",
                            {{"binary", "/usr/bin/chromium"},
                             {"args", {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                       "--window-size=1280,1000"}}}}}}}}};
    const auto r = http().Post("/session", caps.dump(), "application/json");
    if (r && r->status == 200) session_ = json::parse(r->body)["value"]["sessionId"];
  }
  ~Browser() {
    if (!session_.empty()) http().Delete(("/session/" + session_).c_str());
  }
  bool ready() const { return !session_.empty(); }
  std::string driver_errors() const { return driver_.output() + driver_.errors(); }

  void go(const std::string& url) { call("POST", "/url", {{"url", url}}); }
  // The element's id, or "" when the selector matches nothing.
  std::string find(const std::string& css) {
    const auto v = call("POST", "/element", {{"using", "css selector"}, {"value", css}}, false);
    return v.is_object() && v.contains(kElement) ? v[kElement].get<std::string>() : "";
  }
  // Waits for a selector (up to `seconds`).
  std::string wait_for(const std::string& css, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      if (auto id = find(css); !id.empty() && displayed(id)) return id;
      if (std::chrono::steady_clock::now() > until) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  bool displayed(const std::string& id) { return call("GET", "/element/" + id + "/displayed").get<bool>(); }
  void click(const std::string& id) { call("POST", "/element/" + id + "/click", json::object()); }
  void type(const std::string& id, const std::string& text) { call("POST", "/element/" + id + "/value", {{"text", text}}); }
  std::string text(const std::string& id) { return call("GET", "/element/" + id + "/text").get<std::string>(); }
  json script(const std::string& body) { return call("POST", "/execute/sync", {{"script", body}, {"args", json::array()}}); }
  // Waits until `expression` (JavaScript) is true.
  bool wait_until(const std::string& expression, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      if (script("return !!(" + expression + ");") == true) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }
  void screenshot(const fs::path& file) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << base64_decode(call("GET", "/screenshot").get<std::string>());
  }

 private:
  httplib::Client http() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  json call(const std::string& method, const std::string& path, const json& body = nullptr, bool must = true) {
    const auto where = "/session/" + session_ + path;
    const auto r = method == "GET" ? http().Get(where.c_str()) : http().Post(where.c_str(), body.dump(), "application/json");
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no answer from chromedriver";
      return nullptr;
    }
    const auto j = json::parse(r->body, nullptr, false);
    if (must && r->status != 200) ADD_FAILURE() << method << " " << path << ": " << r->status << " " << r->body;
    return j.is_object() ? j["value"] : json();
  }
  // A port nothing listens on: bound to 0, read back, closed (chromedriver binds it next).
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
  }
  int port_ = free_port();
  Background driver_;
  std::string session_;
};

fs::path screenshots() { return build_dir() / "tests" / "studio-screenshots"; }

// Downloads the page's #download link through the studio (the browser's own downloads are
// not reachable headless) and returns its bytes.
std::string download(const RunningStudio& studio, Browser& page) {
  const std::string href = page.script("return document.querySelector('#download').getAttribute('href');");
  const auto r = studio.client().Get(href.c_str());
  EXPECT_TRUE(r && r->status == 200) << href;
  if (r) EXPECT_NE(r->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  return r ? r->body : "";
}

TEST(StudioPage, APhotoAClipAndASoundInChromium) {
  TempDir dir;
  RunningStudio studio(dir.path());
  Browser page;
  ASSERT_TRUE(page.ready()) << "chromedriver or chromium did not start: " << page.driver_errors();
  page.go(studio.url());
  const bool loaded = page.wait_until("document.querySelector('#version') && document.querySelector('#version').textContent", 30);
  page.screenshot(screenshots() / "1-opened.png");
  ASSERT_TRUE(loaded) << page.script("return document.documentElement.outerHTML.slice(0, 400);").dump();

  // A photo: upload, pick block_12 in the gallery, preview, render, download.
  page.type(page.find("#file-input"), fs::canonical(sample_image("owl.jpg")).string());  // chromedriver wants canonical paths
  ASSERT_TRUE(page.wait_until("document.querySelector('#upload-info').dataset.uploadId", 30));
  const auto tile = page.wait_for(".layer-tile[data-layer='block_12']", 30);
  ASSERT_FALSE(tile.empty());
  page.click(tile);
  ASSERT_TRUE(page.wait_until("document.querySelector(\".layer-tile[data-layer='block_12'] img\").complete", 120));
  page.screenshot(screenshots() / "2-photo-layer-picked.png");
  const auto t0 = std::chrono::steady_clock::now();
  page.click(page.find("#preview-button"));
  ASSERT_TRUE(page.wait_until("document.querySelector('#job-state').textContent.trim() === 'done'", 120));
  ASSERT_TRUE(page.wait_until("document.querySelector('#after-img') && document.querySelector('#after-img').complete", 30));
  std::cout << "photo: upload to preview shown in the page "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  page.screenshot(screenshots() / "3-photo-preview.png");
  page.click(page.find("#generate-button"));
  ASSERT_TRUE(page.wait_until("document.querySelector('#job-state').textContent.trim() === 'running'", 30));
  page.screenshot(screenshots() / "4-photo-rendering.png");
  ASSERT_TRUE(page.wait_until("document.querySelector('#job-state').textContent.trim() === 'done'", 300));
  ASSERT_TRUE(page.wait_until("document.querySelector('#after-img').complete", 30));
  page.screenshot(screenshots() / "5-photo-done.png");
  const auto png = download(studio, page);
  const cv::Mat got = cv::imdecode(cv::Mat(1, static_cast<int>(png.size()), CV_8U, const_cast<char*>(png.data())),
                                   cv::IMREAD_COLOR);
  const cv::Mat owl = cv::imread(sample_image("owl.jpg").string());
  ASSERT_EQ(got.size(), owl.size());
  EXPECT_GT(cv::norm(got, owl, cv::NORM_L1) / (owl.total() * 3.0), 3.0);

  // A clip, with the fast dream filter: before and after players.
  const auto clip = panning_clip(dir, "pan.mp4", true);
  page.type(page.find("#file-input"), fs::canonical(clip).string());
  ASSERT_TRUE(page.wait_until("document.querySelector('#upload-info').textContent.includes('pan.mp4')", 30));
  page.script("const m = document.querySelector('#mode'); m.value = 'filter'; m.dispatchEvent(new Event('change'));");
  page.click(page.find("#generate-button"));
  ASSERT_TRUE(page.wait_until("document.querySelector('#job-state').textContent.trim() === 'done'", 300));
  ASSERT_TRUE(page.wait_until("document.querySelector('#after-video') && document.querySelector('#after-video').readyState >= 1", 30));
  page.screenshot(screenshots() / "6-clip-done.png");
  std::ofstream(dir / "clip.mp4", std::ios::binary) << download(studio, page);
  EXPECT_EQ(read_frames((dir / "clip.mp4").string()).times.size(), 30u);

  // A sound: before/after spectrograms and players.
  const auto bark = shared_dir() / "samples" / "audio" / "dog";
  fs::path sound;
  for (const auto& e : fs::recursive_directory_iterator(bark))
    if (sound.empty() && e.path().extension() == ".ogg") sound = e.path();
  ASSERT_FALSE(sound.empty());
  page.type(page.find("#file-input"), fs::canonical(sound).string());
  ASSERT_TRUE(page.wait_until("document.querySelector('#mode').value === 'sound'", 30));
  page.click(page.find("#generate-button"));
  ASSERT_TRUE(page.wait_until("document.querySelector('#job-state').textContent.trim() === 'done'", 300));
  ASSERT_TRUE(page.wait_until("document.querySelector('#after-audio') && document.querySelector('#after-audio').src", 30));
  page.screenshot(screenshots() / "7-sound-done.png");
  const auto wav = download(studio, page);
  EXPECT_EQ(wav.substr(0, 4), "RIFF");

  // The same sound in the style of bird song (a preview: its first 5 s, 10 steps).
  const auto canary = shared_dir() / "samples" / "audio" / "bird" / "sounds_canary_03.flac";
  page.type(page.find("#sound-style-input"), fs::canonical(canary).string());
  ASSERT_TRUE(page.wait_until("document.querySelector('#sound-style-input').dataset.uploadId !== undefined", 30));
  page.script("document.querySelector('#steps').value = 10;");
  page.click(page.find("#preview-button"));
  nlohmann::json jobs;  // the page's state still says "done" of the last job: wait for the new one
  for (int i = 0; i < 300 && jobs.size() < 5; ++i) {
    jobs = nlohmann::json::parse(studio.client().Get("/api/jobs")->body);
    if (jobs.size() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(jobs.size(), 5u) << "the page says: " << page.script("return document.querySelector('#error').textContent;").dump();
  const std::string styled_id = jobs[0]["id"];
  EXPECT_EQ(jobs[0]["mode"], "sound");
  EXPECT_FALSE(jobs[0]["settings"]["style"].get<std::string>().empty());  // the styled job, newest first
  ASSERT_EQ(studio.wait_job(styled_id, 300)["state"], "done");
  ASSERT_TRUE(page.wait_until("document.querySelector('#after-audio') && "
                              "document.querySelector('#after-audio').src.includes('" + styled_id + "')", 60));
  page.screenshot(screenshots() / "8-sound-styled.png");
  const auto styled = download(studio, page);
  EXPECT_EQ(styled.substr(0, 4), "RIFF");
  EXPECT_NE(styled, wav);

  // The queue survives a reload.
  page.go(studio.url());
  ASSERT_TRUE(page.wait_until("document.querySelectorAll('#jobs .job').length === 5", 30));
  page.screenshot(screenshots() / "9-reloaded-queue.png");
}

}  // namespace
}  // namespace avdream::test
