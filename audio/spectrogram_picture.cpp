// render_spectrograms: log-mel panels with axes and a colour bar, for eyes, not for models.
#include <avdream/spectrogram_picture.hpp>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace avdream {
namespace {

constexpr int kLeft = 64, kRight = 92, kTitle = 26, kAxis = 34, kBandHeight = 4;
constexpr double kDbPerNeper = 8.685889638;  // 20 / ln(10): natural-log magnitude -> dB
constexpr double kRangeDb = 80.0;
const cv::Scalar kInk(30, 30, 30), kPaper(255, 255, 255);

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.42) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, kInk, 1, cv::LINE_AA);
}

// A round step giving at most about `count` ticks over `span`.
double tick_step(double span, int count) {
  for (double s : {0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0})
    if (span / s <= count) return s;
  return 1200.0;
}

std::string seconds_label(double t, double step) {
  char buf[32];
  if (step >= 60) std::snprintf(buf, sizeof buf, "%d:%02d", int(t) / 60, int(t) % 60);
  else std::snprintf(buf, sizeof buf, step < 1 ? "%.1f" : "%.0f", t);
  return buf;
}

}  // namespace

cv::Mat render_spectrograms(const std::vector<SpectrogramPanel>& panels, const LogMelFrontEnd& fe,
                            int frames_per_row) {
  if (panels.empty()) return {};
  const int64_t rows = panels[0].logmel.size(0), mels = panels[0].logmel.size(1);
  const int64_t frames = rows * frames_per_row;
  int width = static_cast<int>(std::clamp<int64_t>(frames, 600, 1600));
  // Wide enough for the longest title (a short sound with long labels would cut it off).
  for (const auto& p : panels) {
    int baseline = 0;
    const int title = cv::getTextSize(p.title, cv::FONT_HERSHEY_SIMPLEX, 0.5, 1, &baseline).width;
    width = std::clamp(title + 8 - kRight, width, 3200);
  }
  const int height = static_cast<int>(mels) * kBandHeight;
  // One colour scale for every panel, so before and after compare directly.
  double top = -1e30;
  for (const auto& p : panels) top = std::max(top, p.logmel.max().item<double>() * kDbPerNeper);
  const double bottom = top - kRangeDb;

  const int panel_h = kTitle + height + kAxis;
  cv::Mat img(panel_h * int(panels.size()), kLeft + width + kRight, CV_8UC3, kPaper);
  const double seconds = double(frames) * fe.stft.hop / fe.sample_rate;
  const double mel_lo = hz_to_mel(fe.fmin), mel_hi = hz_to_mel(fe.fmax);
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const int y0 = int(k) * panel_h + kTitle;
    // [mels, frames], low frequencies at the bottom, dB mapped to 0..255.
    auto db = (panels[k].logmel.to(torch::kFloat).t().flip({0}) * kDbPerNeper).contiguous();
    cv::Mat m(int(mels), int(db.size(1)), CV_32F, db.data_ptr<float>()), grey, sized, colour;
    m.convertTo(grey, CV_8U, 255.0 / kRangeDb, -bottom * 255.0 / kRangeDb);
    cv::resize(grey, sized, cv::Size(width, height), 0, 0, rows > width ? cv::INTER_AREA : cv::INTER_NEAREST);
    cv::applyColorMap(sized, colour, cv::COLORMAP_MAGMA);
    colour.copyTo(img(cv::Rect(kLeft, y0, width, height)));
    text(img, panels[k].title, {kLeft, y0 - 8}, 0.5);

    // Frequency axis: Hz at their places on the mel scale.
    const std::pair<double, const char*> ticks[] = {{125, "125"}, {250, "250"}, {500, "500"}, {1000, "1k"},
                                                     {2000, "2k"},  {4000, "4k"},  {7500, "7.5k"}};
    for (const auto& [hz, label] : ticks) {
      if (hz < fe.fmin || hz > fe.fmax) continue;
      const int y = y0 + height - int(std::lround((hz_to_mel(hz) - mel_lo) / (mel_hi - mel_lo) * height));
      cv::line(img, {kLeft - 5, y}, {kLeft - 1, y}, kInk);
      text(img, label, {8, y + 4});
    }
    text(img, "Hz", {8, y0 - 8});
    // Time axis in seconds.
    const double step = tick_step(seconds, 10);
    for (double t = 0; t <= seconds + 1e-9; t += step) {
      const int x = kLeft + int(std::lround(t / std::max(seconds, 1e-9) * (width - 1)));
      cv::line(img, {x, y0 + height}, {x, y0 + height + 5}, kInk);
      text(img, seconds_label(t, step), {x - 8, y0 + height + 18});
    }
    text(img, "s", {kLeft + width + 6, y0 + height + 18});
  }
  // Colour bar, top to bottom: loudest to quietest.
  const int bar_x = kLeft + width + 14, bar_y = kTitle, bar_h = height;
  cv::Mat ramp(bar_h, 1, CV_8U);
  for (int y = 0; y < bar_h; ++y) ramp.at<uint8_t>(y) = cv::saturate_cast<uint8_t>(255.0 * (bar_h - 1 - y) / (bar_h - 1));
  cv::Mat ramp_colour, bar;
  cv::applyColorMap(ramp, ramp_colour, cv::COLORMAP_MAGMA);
  cv::resize(ramp_colour, bar, cv::Size(14, bar_h), 0, 0, cv::INTER_NEAREST);
  bar.copyTo(img(cv::Rect(bar_x, bar_y, 14, bar_h)));
  for (int i = 0; i <= 4; ++i) {
    const int y = bar_y + i * (bar_h - 1) / 4;
    text(img, std::to_string(int(std::lround(top - i * kRangeDb / 4))), {bar_x + 18, y + 4});
  }
  text(img, "dB", {bar_x + 18, bar_y + bar_h + 18});
  return img;
}

}  // namespace avdream
