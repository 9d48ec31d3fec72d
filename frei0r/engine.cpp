// The frei0r plugin's engine: its parameters turned into a FrameStream (frame_stream.hpp), and
// RGBA frames in and out. Loaded by the plugin on first use (engine_api.h).
#include "engine_api.h"

#include <avdream/error.hpp>
#include <avdream/frame_stream.hpp>
#include <avdream/runtime.hpp>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>
#include <mutex>
#include <sstream>

struct avdream_fx {
  avdream::FrameStream stream;
};

namespace {

// Whole, finite and in range, or a ParameterError naming the plugin's parameter.
int whole(double value, const char* name, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high || value != std::floor(value))
    throw avdream::ParameterError(name, "must be a whole number from " + std::to_string(static_cast<int64_t>(low)) +
                                            " to " + std::to_string(static_cast<int64_t>(high)));
  return static_cast<int>(std::lround(value));
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

avdream::FrameStreamSettings to_settings(const avdream_fx_settings& s) {
  avdream::FrameStreamSettings out;
  if (*s.model) out.model = s.model;
  out.filter = s.filter;
  if (*s.filter) out.params = avdream::filter_video_params();  // its firm flow hold
  out.targets.layers = s.layers;
  out.targets.classes = split_commas(s.classes);
  if (*s.device) out.device = avdream::parse_device(s.device);
  if (!(s.strength >= 0.0 && s.strength <= 1.0))  // NaN too
    throw avdream::ParameterError("strength", "must be from 0 to 1 (0.5: the dream as avdream makes it)");
  out.strength = 2.0 * s.strength;
  if (const int steps = whole(s.steps, "steps", 0, 1000)) out.params.dream.iterations = steps;
  if (const int octaves = whole(s.octaves, "octaves", 0, 12)) out.params.dream.octaves = octaves;
  if (const int size = whole(s.size, "size", 0, 8192)) out.params.dream.max_size = size;
  out.params.dream.seed = static_cast<uint64_t>(whole(s.seed, "seed", 0, 2147483647));
  out.params.flow = s.flow != 0;
  out.source_colors = s.original_colors != 0;
  avdream::check_frame_stream_settings(out);
  return out;
}

void report(const std::exception& e, char* error, size_t size) {
  if (error && size) std::snprintf(error, size, "%s", e.what());
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int avdream_fx_api_version(void) { return AVDREAM_FX_API_VERSION; }

__attribute__((visibility("default"))) avdream_fx* avdream_fx_create(const avdream_fx_settings* settings, char* error,
                                                                     size_t error_size) {
  try {
    static std::once_flag configured;
    // The engine's own settings only: a host's FFmpeg log level and OpenCV threads stay its own.
    std::call_once(configured, [] { avdream::configure_compute(0); });
    return new avdream_fx{avdream::FrameStream(to_settings(*settings))};
  } catch (const std::exception& e) {
    report(e, error, error_size);
  } catch (...) {
    if (error && error_size) std::snprintf(error, error_size, "unknown error");
  }
  return nullptr;
}

__attribute__((visibility("default"))) int avdream_fx_update(avdream_fx* fx, double time, unsigned width,
                                                             unsigned height, const uint32_t* in, uint32_t* out,
                                                             char* error, size_t error_size) {
  try {
    const int w = static_cast<int>(width), h = static_cast<int>(height);
    const cv::Mat rgba(h, w, CV_8UC4, const_cast<uint32_t*>(in));
    cv::Mat rgb;
    cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
    const cv::Mat dreamed = fx->stream.dream(rgb, time);
    cv::Mat result(h, w, CV_8UC4, out);  // the dream's colours, the frame's own alpha
    const cv::Mat sources[] = {dreamed, rgba};
    const int from_to[] = {0, 0, 1, 1, 2, 2, 6, 3};
    cv::mixChannels(sources, 2, &result, 1, from_to, 4);
    return 1;
  } catch (const std::exception& e) {
    report(e, error, error_size);
  } catch (...) {
    if (error && error_size) std::snprintf(error, error_size, "unknown error");
  }
  return 0;
}

__attribute__((visibility("default"))) void avdream_fx_destroy(avdream_fx* fx) { delete fx; }

}  // extern "C"
