#include <avdream/flow.hpp>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace avdream {

cv::Mat dense_flow(const cv::Mat& from_grey, const cv::Mat& to_grey) {
  // One DIS object per thread: it keeps buffers between calls and is not thread-safe.
  thread_local cv::Ptr<cv::DISOpticalFlow> dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
  cv::Mat flow;
  dis->calc(from_grey, to_grey, flow);
  return flow;
}

namespace {
// The sampling map p + flow(p), as two CV_32F planes for cv::remap.
std::pair<cv::Mat, cv::Mat> sample_map(const cv::Mat& flow) {
  cv::Mat map_x(flow.size(), CV_32F), map_y(flow.size(), CV_32F);
  for (int y = 0; y < flow.rows; ++y) {
    const auto* f = flow.ptr<cv::Vec2f>(y);
    auto* mx = map_x.ptr<float>(y);
    auto* my = map_y.ptr<float>(y);
    for (int x = 0; x < flow.cols; ++x) {
      mx[x] = x + f[x][0];
      my[x] = y + f[x][1];
    }
  }
  return {map_x, map_y};
}
}  // namespace

cv::Mat warp_backward(const cv::Mat& image, const cv::Mat& back_flow, int interpolation) {
  const auto [mx, my] = sample_map(back_flow);
  cv::Mat out;
  cv::remap(image, out, mx, my, interpolation, cv::BORDER_REPLICATE);
  return out;
}

cv::Mat consistency_mask(const cv::Mat& forward_flow, const cv::Mat& back_flow) {
  const cv::Mat fwd_at = warp_backward(forward_flow, back_flow);  // fwd(p + back(p))
  cv::Mat mask(back_flow.size(), CV_32F);
  for (int y = 0; y < back_flow.rows; ++y) {
    const auto* b = back_flow.ptr<cv::Vec2f>(y);
    const auto* f = fwd_at.ptr<cv::Vec2f>(y);
    auto* m = mask.ptr<float>(y);
    for (int x = 0; x < back_flow.cols; ++x) {
      const cv::Vec2f sum = f[x] + b[x];
      const float lhs = sum.dot(sum);
      const float rhs = 0.01f * (f[x].dot(f[x]) + b[x].dot(b[x])) + 0.5f;
      // Sampling outside the frame is occlusion too.
      const float sx = x + b[x][0], sy = y + b[x][1];
      const bool inside = sx >= 0 && sy >= 0 && sx <= back_flow.cols - 1 && sy <= back_flow.rows - 1;
      m[x] = (lhs <= rhs && inside) ? 1.0f : 0.0f;
    }
  }
  return mask;
}

double warp_error(const cv::Mat& current, const cv::Mat& previous, const cv::Mat& back_flow, const cv::Mat& mask) {
  const cv::Mat warped = warp_backward(previous, back_flow);
  cv::Mat diff;
  cv::absdiff(current, warped, diff);
  cv::Mat diff_f;
  diff.convertTo(diff_f, CV_32F, 1.0 / 255.0);
  cv::Mat keep;
  cv::compare(mask, 0.5, keep, cv::CMP_GT);
  if (cv::countNonZero(keep) == 0) return 0.0;
  const cv::Scalar total = cv::mean(diff_f, keep);
  double s = 0;
  for (int c = 0; c < diff_f.channels(); ++c) s += total[c];
  return s / diff_f.channels();
}

}  // namespace avdream
