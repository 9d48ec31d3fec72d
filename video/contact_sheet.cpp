#include "contact_sheet.hpp"

#include <avdream/image.hpp>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>

namespace avdream::detail {
namespace {
constexpr int kThumbWidth = 360;

cv::Mat thumbnail(const cv::Mat& rgb) {
  cv::Mat bgr, small;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const double s = double(kThumbWidth) / rgb.cols;
  cv::resize(bgr, small, cv::Size(kThumbWidth, std::max(1, int(rgb.rows * s))), 0, 0, cv::INTER_AREA);
  return small;
}

void label(cv::Mat& img, const std::string& text) {
  cv::putText(img, text, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(0, 0, 0), 3, cv::LINE_AA);
  cv::putText(img, text, {8, 22}, cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
}
}  // namespace

ContactSheet::ContactSheet(std::string path, int64_t frame_count, int rows) : path_(std::move(path)) {
  const int64_t n = std::max<int64_t>(frame_count, 1);
  for (int r = 0; r < rows - 1; ++r) wanted_.push_back(n * r / rows);
}

void ContactSheet::offer(int64_t index, double time, const cv::Mat& source_rgb, const cv::Mat& dream_rgb) {
  if (path_.empty()) return;
  if (std::find(wanted_.begin(), wanted_.end(), index) != wanted_.end()) {
    rows_.push_back({index, time, thumbnail(source_rgb), thumbnail(dream_rgb)});
  }
  last_ = {index, time, source_rgb, dream_rgb};  // shallow: thumbnails are made at write()
}

void ContactSheet::write() const {
  if (path_.empty()) return;
  std::vector<Row> rows = rows_;
  if (!last_.source.empty() && (rows.empty() || rows.back().index != last_.index))
    rows.push_back({last_.index, last_.time, thumbnail(last_.source), thumbnail(last_.dream)});
  std::vector<cv::Mat> lines;
  for (const auto& r : rows) {
    cv::Mat src = r.source.clone(), dst = r.dream.clone();
    char t[64];
    std::snprintf(t, sizeof t, "%02d:%06.3f", int(r.time) / 60, r.time - 60 * int(r.time / 60));
    label(src, std::string("source ") + t);
    label(dst, std::string("dream ") + t);
    cv::Mat line;
    cv::hconcat(std::vector<cv::Mat>{src, dst}, line);
    lines.push_back(line);
  }
  if (lines.empty()) return;
  cv::Mat sheet;
  cv::vconcat(lines, sheet);
  Picture pic;
  pic.rgb = bgr_to_tensor(sheet);
  save_picture(pic, path_);
}

}  // namespace avdream::detail
