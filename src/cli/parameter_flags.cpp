// The library names its parameters (ParameterError); the command line shows its flags instead.
#include <map>
#include <string>

#include "options.hpp"

namespace avdream::cli {

std::string flag_for(const std::string& parameter) {
  static const std::map<std::string, std::string> flags = {
      {"DreamParams::octaves", "--octaves"},
      {"FilterTraining::inputs", "--images"},
      {"FilterTraining::steps", "--steps"},
      {"FilterTraining::batch", "--batch"},
      {"FilterTraining::crop", "--crop"},
      {"FilterTraining::video_frames", "--frames-per-video"},
      {"FilterTraining::texture_weight", "--texture-weight"},
      {"FilterTraining::objective_weight", "--objective-weight"},
      {"FilterTraining::content_weight", "--content-weight"},
      {"FilterTraining::colour_weight", "--colour-weight"},
      {"FilterTraining::temporal_weight", "--temporal-weight"},
      {"VideoJob::filter", "--filter"},
      {"DreamParams::octave_scale", "--octave-scale"},
      {"DreamParams::iterations", "--iterations"},
      {"DreamParams::step", "--step"},
      {"DreamParams::jitter", "--jitter"},
      {"DreamParams::max_size", "--max-size"},
      {"DreamTargets::layers", "--layers"},
      {"DreamTargets::guides", "--guide"},
      {"StyleSettings::layers", "--style-layers"},
      {"StyleSettings::content_layer", "--content-layer"},
      {"StyleSettings::style_weight", "--style-weight"},
      {"StyleSettings::content_weight", "--content-weight"},
      {"StyleSettings::tv_weight", "--tv-weight"},
      {"StyleSettings::scale", "--style-scale"},
      {"StyleSettings::blend", "--style-blend"},
      {"VideoDreamParams::warm_iterations", "--warm-iterations"},
      {"VideoDreamParams::blend", "--blend"},
      {"VideoDreamParams::scene_cut", "--scene-cut"},
      {"VideoDreamParams::temporal_weight", "--temporal-weight"},
      {"VideoJob::start", "--start"},
      {"VideoJob::duration", "--duration"},
      {"SoundJob::start", "--start"},
      {"SoundJob::duration", "--duration"},
      {"start", "--start"},
      {"EncodeSettings::codec", "--codec"},
      {"EncodeSettings::crf", "--crf"},
      {"EncodeSettings::preset", "--preset"},
      {"FrameSpan::warmup", "--warmup"},
      {"FarmSettings::chunks", "--chunks"},
      {"FarmSettings::warmup", "--warmup"},
      {"FarmSettings::cpus_per_task", "--cpus-per-task"},
      {"FarmSettings::partition", "--partition"},
      {"FarmSettings::time_limit", "--time"},
      {"AudioDreamParams::iterations", "--audio-iterations"},
      {"AudioStyleSettings::weight", "--audio-style-weight"},
      {"RetrainSettings::unfreeze", "--unfreeze"},
      {"RetrainSettings::max_epochs", "--epochs"},
      {"RetrainSettings::learning_rate", "--learning-rate"},
      {"RetrainSettings::frames_per_video", "--frames-per-video"},
      {"AudioStyleSettings::steps", "--audio-style-steps"},
      {"AudioDreamParams::step", "the sound dream's step (--audio-strength times its default)"},
      {"AudioDreamParams::gl_iterations", "--gl-iters"},
      {"device", "--device"},
      {"threads", "--threads"},
  };
  const auto it = flags.find(parameter);
  return it == flags.end() ? parameter : it->second;
}

std::string usage_message(const UsageError& error) {
  if (const auto* p = dynamic_cast<const ParameterError*>(&error)) return flag_for(p->parameter()) + " " + p->problem();
  return error.what();
}

}  // namespace avdream::cli
