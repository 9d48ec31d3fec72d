// The flicker measure over whole clips (benchmarks and tests).
#include <avdream/error.hpp>
#include <avdream/flow.hpp>
#include <avdream/warp_error.hpp>
#include <avdream/media.hpp>

#include <opencv2/imgproc.hpp>

namespace avdream {

WarpErrors measure_warp_error(const std::string& source, const std::string& output, int width, double start,
                              double duration) {
  VideoReader src(source, start, duration), out(output);
  const double s = std::min(1.0, double(width) / src.info().width);
  const cv::Size size(std::max(1, int(src.info().width * s)), std::max(1, int(src.info().height * s)));
  auto shrink = [&size](const cv::Mat& rgb) {
    cv::Mat small;
    cv::resize(rgb, small, size, 0, 0, cv::INTER_AREA);
    return small;
  };
  WarpErrors e;
  cv::Mat prev_src, prev_out, prev_grey;
  while (true) {
    auto a = src.next();
    auto b = out.next();
    if (!a || !b) break;
    const cv::Mat cur_src = shrink(a->rgb), cur_out = shrink(b->rgb);
    cv::Mat grey;
    cv::cvtColor(cur_src, grey, cv::COLOR_RGB2GRAY);
    if (!prev_grey.empty()) {
      const cv::Mat back = dense_flow(grey, prev_grey), fwd = dense_flow(prev_grey, grey);
      const cv::Mat mask = consistency_mask(fwd, back);
      e.source += warp_error(cur_src, prev_src, back, mask);
      e.output_pairs.push_back(warp_error(cur_out, prev_out, back, mask));
      e.output += e.output_pairs.back();
      ++e.pairs;
    }
    prev_src = cur_src;
    prev_out = cur_out;
    prev_grey = grey;
  }
  if (e.pairs == 0) throw Error("measure_warp_error: fewer than two frames to compare");
  e.source /= e.pairs;
  e.output /= e.pairs;
  return e;
}

}  // namespace avdream
