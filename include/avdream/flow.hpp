#pragma once
// Optical flow for temporal consistency (OpenCV's DIS), backward warping, and the
// forward-backward consistency check that finds occluded pixels.
//
// Conventions: images are cv::Mat, flows CV_32FC2 in pixels. flow(a -> b) at pixel p of a says
// where p went in b. To bring an image of frame t-1 onto frame t, sample it at p + flow(t -> t-1).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace avdream {

// Dense flow from `from` to `to` (8-bit grey, same size). DIS, "medium" preset: on 2 cores it
// costs a few ms at 640x360, and the fast preset's errors show as smeared dream detail.
cv::Mat dense_flow(const cv::Mat& from_grey, const cv::Mat& to_grey);

// `image` (any type, of frame t-1) sampled at p + back(p): frame t's view of it. Pixels whose
// source falls outside replicate the border. Dream detail warped frame after frame uses
// cubic interpolation: linear blurs it a little more at every frame.
cv::Mat warp_backward(const cv::Mat& image, const cv::Mat& back_flow, int interpolation = cv::INTER_LINEAR);

// 1 where the flows agree (p -> p + back -> back again along forward), 0 where they disagree
// (occluded or mismatched): |fwd(p + back(p)) + back(p)|^2 <= 0.01 (|fwd|^2 + |back|^2) + 0.5,
// the test of Sundaram et al. used by Ruder et al. for video style transfer. CV_32F.
cv::Mat consistency_mask(const cv::Mat& forward_flow /* t-1 -> t */, const cv::Mat& back_flow /* t -> t-1 */);

// The flicker measure E_warp: mean absolute difference (in [0,1] units per channel) between
// `current` and `previous` warped onto it, over the pixels where mask > 0.5. Images 8-bit.
double warp_error(const cv::Mat& current, const cv::Mat& previous, const cv::Mat& back_flow, const cv::Mat& mask);

}  // namespace avdream
