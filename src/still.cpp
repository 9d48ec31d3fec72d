#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/partial_file.hpp>
#include <avdream/still.hpp>

#include <chrono>

namespace avdream {

PictureDreamer::PictureDreamer(Model model, Objective objective, DreamParams params, bool source_colors,
                               DreamProgressFn progress, std::optional<DreamFilter> filter)
    : model_(std::move(model)),
      objective_(std::move(objective)),
      params_(std::move(params)),
      source_colors_(source_colors),
      progress_(std::move(progress)),
      filter_(std::move(filter)) {
  check_dream_params(params_);
}

void PictureDreamer::process(torch::Tensor rgb, const Emit& emit) {
  torch::Tensor dreamed;
  if (filter_) {
    const auto [h, w] = working_size(rgb.size(1), rgb.size(2), filter_->working_size());
    dreamed = add_detail(rgb, filter_->detail(resize(rgb, h, w)).cpu());
  } else {
    dreamed = dream(model_, objective_, rgb, params_, progress_).cpu();
  }
  emit(source_colors_ ? keep_colors(dreamed, rgb.cpu()) : dreamed);
}

StillReport dream_still(const std::string& input,
                        const std::string& output,
                        const StillJob& job,
                        const DreamProgressFn& progress) {
  const auto start = std::chrono::steady_clock::now();
  // Everything that can be refused is refused before the long work starts.
  check_dream_params(job.params);
  check_picture_output(output);
  check_output_folder(output);
  const auto model_path = resolve_model(job.model);
  auto picture = load_picture(input);
  const auto model = load_model(model_path, ModelKind::Image, "a picture", job.device);
  const auto objective = make_objective(model, job.targets);

  StillReport report;
  report.model_path = model_path;
  report.warnings = picture.warnings;
  report.height = picture.rgb.size(1);
  report.width = picture.rgb.size(2);
  const auto original = picture.rgb;
  for (const auto& t : objective.terms) report.term_names.push_back(t.name);
  report.terms_before = score_image_terms(model, objective, original, job.params);
  std::optional<DreamFilter> filter;
  if (!job.filter.empty()) filter = DreamFilter::load(resolve_filter(job.filter), job.device);
  PictureDreamer dreamer(model, objective, job.params, job.targets.style.original_colors, progress, filter);
  dreamer.process(original, [&](torch::Tensor dreamed) { picture.rgb = std::move(dreamed); });
  report.terms_after = score_image_terms(model, objective, picture.rgb, job.params, original);
  for (double s : report.terms_before) report.score_before += s;
  for (double s : report.terms_after) report.score_after += s;
  save_picture(picture, output);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace avdream
