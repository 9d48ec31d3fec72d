#include "stream_summary.hpp"

#include <cmath>

namespace avdream::detail {

namespace {
constexpr int64_t kBatch = 64;  // patches per forward pass: long sounds in bounded memory
}

ClipScorer::ClipScorer(const Model& model, const LogMelFrontEnd& fe) : model_(model), fe_(fe) {}

void ClipScorer::add(const torch::Tensor& logmel) {
  const auto x = logmel.detach().to(model_.device(), torch::kFloat);
  frames_ = frames_.defined() ? torch::cat({frames_, x}) : x;
  seen_ += x.size(0);
  // A patch that ends before the last frame seen is not the final one (that one is aligned to
  // the end, which only finish() knows).
  while (next_start_ + fe_.patch_frames < seen_) {
    pending_.push_back(frames_.slice(0, next_start_ - frames_start_, next_start_ - frames_start_ + fe_.patch_frames));
    next_start_ += fe_.patch_hop;
    if (int64_t(pending_.size()) == kBatch) score_pending();
  }
  // Frames before the next patch are done with, but for the last patch_frames: the final patch
  // may start earlier than the next hop.
  const int64_t drop = std::min(next_start_, seen_ - fe_.patch_frames) - frames_start_;
  if (drop > 0) {
    frames_ = frames_.slice(0, drop).clone();
    frames_start_ += drop;
  }
}

void ClipScorer::score_pending() {
  if (pending_.empty()) return;
  torch::NoGradGuard no_grad;
  const auto batch = torch::stack(pending_).unsqueeze(1);
  pending_.clear();
  const auto p = torch::sigmoid(model_.forward(batch, {kLogits}).at(kLogits)).sum(0).cpu();
  sum_ = sum_.defined() ? sum_ + p : p;
  patches_ += batch.size(0);
}

torch::Tensor ClipScorer::finish() {
  // The final patch: the last patch_frames frames, or the whole short sound padded.
  const int64_t have = frames_.defined() ? frames_.size(0) : 0;
  const int64_t mels = frames_.defined() ? frames_.size(1) : fe_.filterbank.size(1);
  if (seen_ < fe_.patch_frames) {
    const auto pad = torch::full({fe_.patch_frames - have, mels}, std::log(fe_.log_offset),
                                 torch::TensorOptions().device(model_.device()));
    pending_.push_back(have ? torch::cat({frames_, pad}) : pad);
  } else {
    pending_.push_back(frames_.slice(0, have - fe_.patch_frames, have));
  }
  score_pending();
  frames_ = torch::Tensor();
  return sum_ / double(patches_);
}

void LogMelSummary::add(const torch::Tensor& logmel) {
  auto x = logmel.detach().to(torch::kCPU, torch::kFloat);
  if (carry_ > 0) {  // finish the open row first
    const int64_t take = std::min<int64_t>(group_ - carry_, x.size(0));
    carry_sum_ = carry_sum_ + x.slice(0, 0, take).sum(0);
    carry_ += take;
    x = x.slice(0, take);
    if (carry_ == group_) {
      rows_.push_back((carry_sum_ / group_).unsqueeze(0));
      ++row_count_;
      carry_ = 0;
    }
  }
  const int64_t whole = x.size(0) / group_;
  if (whole > 0) {
    rows_.push_back(x.slice(0, 0, whole * group_).reshape({whole, group_, x.size(1)}).mean(1));
    row_count_ += whole;
  }
  if (x.size(0) > whole * group_) {
    carry_sum_ = x.slice(0, whole * group_).sum(0);
    carry_ = x.size(0) - whole * group_;
  }
  while (row_count_ > kMaxRows) {
    auto all = torch::cat(rows_);
    rows_.clear();
    if (all.size(0) % 2) {  // an odd last row opens the next, wider row (it comes before the carry)
      carry_sum_ = all[-1] * group_ + (carry_ ? carry_sum_ : torch::zeros_like(all[-1]));
      carry_ += group_;
      all = all.slice(0, 0, all.size(0) - 1);
    }
    rows_.push_back(all.reshape({all.size(0) / 2, 2, all.size(1)}).mean(1));
    row_count_ = rows_.back().size(0);
    group_ *= 2;
  }
}

torch::Tensor LogMelSummary::finish() {
  if (carry_ > 0) rows_.push_back((carry_sum_ / double(carry_)).unsqueeze(0));
  carry_ = 0;
  return torch::cat(rows_);
}

}  // namespace avdream::detail
