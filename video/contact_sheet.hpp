#pragma once
// The --preview contact sheet: a few source/dream pairs side by side, labelled with their times.
#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace avdream::detail {

class ContactSheet {
 public:
  // Picks `rows` frames spread over `frame_count` (an estimate; the last frame is kept too).
  ContactSheet(std::string path, int64_t frame_count, int rows = 4);
  // Offers every frame; the sheet keeps thumbnails of the chosen ones.
  void offer(int64_t index, double time, const cv::Mat& source_rgb, const cv::Mat& dream_rgb);
  // Writes the PNG (atomically). Throws Error.
  void write() const;

 private:
  struct Row {
    int64_t index;
    double time;
    cv::Mat source, dream;  // BGR thumbnails
  };
  std::string path_;
  std::vector<int64_t> wanted_;
  std::vector<Row> rows_;
  Row last_;
};

}  // namespace avdream::detail
