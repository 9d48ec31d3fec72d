#include "options.hpp"

#include <avdream/error.hpp>
#include <avdream/runtime.hpp>
#include <avdream/version.hpp>

#include <CLI/CLI.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace avdream::cli {

namespace {

std::string version_text() {
  std::string text = "avdream " + version();
  for (const auto& [name, value] : runtime_versions()) text += "\n  " + name + " " + value;
  return text;
}

// --theme: the picture and the sound dream of the same thing.
struct Theme {
  std::string image_model;                 // used when --model is not given; empty: keep
  std::vector<std::string> image_classes;  // added when --class is not given
  std::vector<std::string> sound_classes;  // added when --audio-class is not given
};
Theme theme_named(const std::string& name) {
  if (name == "dog") return {"", {"golden retriever"}, {"Dog", "Bark"}};
  // The birds model dreams birds with its default layers; every class in it is a bird.
  if (name == "bird") return {"inat_birds_mobilenet_v2", {}, {"Bird", "Bird vocalization, bird call, bird song"}};
  return {};
}

// The first option (of the app or a subcommand it ran) given an empty value, which CLI11 would
// read as 0 or as "not given": --max-size "" is a mistake (an unset variable), not a request.
const CLI::Option* given_empty(const CLI::App& app) {
  for (const auto* opt : app.get_options()) {
    if (opt->get_type_size() == 0) continue;  // a flag
    for (const auto& value : opt->results())
      if (value.empty()) return opt;
  }
  for (const auto* sub : app.get_subcommands())
    if (const auto* opt = given_empty(*sub)) return opt;
  return nullptr;
}

// "4 (3 with --style)": a flag's defaults in its help, as the library's functions give them.
template <typename T>
std::string defaults(T plain, T styled, T filtered) {
  std::ostringstream text;
  text << plain;
  if (styled != plain) text << " (" << styled << " with --style)";
  if (filtered != plain) text << " (" << filtered << " with --filter)";
  return text.str();
}
template <typename T>
std::string defaults(T plain, T styled) {
  return defaults(plain, styled, plain);
}

// The commands: models, layers and the farm's steps.
void add_commands(CLI::App& app, Options& o) {
  app.add_subcommand("models", "List the models found on the search path");
  app.add_subcommand("layers", "List a model's layers: channels and stride");
  app.require_subcommand(0, 1);
  auto& f = o.farm;
  auto* farm = app.add_subcommand("farm", "Render farm: split a video into chunks run as independent (Slurm) jobs");
  farm->require_subcommand(1);
  auto* plan = farm->add_subcommand("plan", "avdream farm plan clip.mp4 -o dreamed.mp4 --job-dir DIR --chunks N "
                                            "[dream options]: write DIR/manifest.json and the Slurm scripts");
  plan->add_option("input", o.inputs, "The video")->required();
  plan->add_option("--job-dir", f.dir, "Folder for the manifest, scripts, segments and logs")->required();
  plan->add_option("--chunks", f.settings.chunks, "Number of chunks (array tasks)")->capture_default_str();
  plan->add_option("--warmup", f.settings.warmup,
                   "Frames each chunk dreams before its first (and hands over after its last), so joins do not show")
      ->capture_default_str();
  plan->add_flag("--submit", f.submit, "Submit the array and the assemble job with sbatch");
  plan->add_option("--partition", f.settings.partition, "Slurm partition");
  plan->add_option("--cpus-per-task", f.settings.cpus_per_task, "Slurm CPUs per chunk")->capture_default_str();
  plan->add_option("--time", f.settings.time_limit, "Slurm time limit per chunk, e.g. 2:00:00");
  auto* chunk = farm->add_subcommand("chunk", "avdream farm chunk DIR INDEX: render one chunk (what array task INDEX runs)");
  chunk->add_option("dir", f.dir, "The job folder")->required();
  chunk->add_option("index", f.index, "Chunk number, from 0")->required();
  chunk->add_flag("--force", f.force, "Render even when the chunk is already done");
  auto* assemble = farm->add_subcommand("assemble", "avdream farm assemble DIR: check and join the segments, add the sound");
  assemble->add_option("dir", f.dir, "The job folder")->required();
  auto* status = farm->add_subcommand("status", "avdream farm status DIR: done, running, failed and missing chunks");
  status->add_option("dir", f.dir, "The job folder")->required();
  auto& tr = o.train;
  auto* train = app.add_subcommand("train-filter", "avdream train-filter -o NAME.filter.pt --images DIR... [dream options]: "
                                                  "train a dream filter for those dream settings");
  train->add_option("--images", tr.images, "Pictures, folders of pictures and videos to train on")->required();
  train->add_option("--steps", tr.steps, "Training steps")->capture_default_str();
  train->add_option("--batch", tr.batch, "Crops per step (an even number, 2-64: pairs for the temporal term)")->capture_default_str();
  train->add_option("--crop", tr.crop, "Crop size, pixels (32-480: the working size)")->capture_default_str();
  train->add_option("--frames-per-video", tr.video_frames, "Frames sampled from each training video")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  train->add_option("--texture-weight", tr.texture_weight,
                    "Weight of the dream's look: texture statistics of the optimizer's dreams of the training pictures")
      ->capture_default_str();
  train->add_option("--objective-weight", tr.objective_weight, "Weight of the dream's objective on the filtered crops")
      ->capture_default_str();
  train->add_option("--content-weight", tr.content_weight, "Weight of keeping the picture (the detail's mean square)")
      ->capture_default_str();
  train->add_option("--colour-weight", tr.colour_weight,
                    "Weight of keeping the optimizer's dream's colours and light at a coarse scale (16 px), "
                    "so the filter does not wash a scene over with its training data's colours")
      ->capture_default_str();
  train->add_option("--temporal-weight", tr.temporal_weight, "Weight of agreement between the two frames of a pair (shifted crops, and consecutive video frames along their flow): steadiness")
      ->capture_default_str();
  train->add_option("--checkpoint", tr.checkpoint, "Checkpoint file (default: OUTPUT.checkpoint); resumed when present");
  auto& rt = o.retrain;
  auto* retrain = app.add_subcommand("retrain", "avdream retrain --images DIR | --sounds DIR -o NAME.pt: a model that "
                                                "knows your categories (DIR holds one folder per category)");
  auto* images = retrain->add_option("--images", rt.images, "Folder of picture categories (pictures and clips)");
  auto* sounds = retrain->add_option("--sounds", rt.sounds, "Folder of sound categories (sound files)");
  images->excludes(sounds);
  retrain->add_option("--unfreeze", rt.settings.unfreeze, "Also train the model's top N layers (0: the classifier alone)")
      ->capture_default_str();
  retrain->add_option("--epochs", rt.settings.max_epochs, "At most this many passes over the data (stops earlier "
                                                          "when the held-out loss stops improving)")
      ->capture_default_str();
  retrain->add_option("--learning-rate", rt.settings.learning_rate, "Adam's learning rate")->capture_default_str();
  retrain->add_option("--frames-per-video", rt.settings.frames_per_video, "Frames sampled from each clip")
      ->capture_default_str();
  auto& st = o.studio;
  auto* studio = app.add_subcommand("studio", "avdream studio [--port 8080]: a local web page for dreaming pictures, "
                                              "clips and sounds (open the address it prints)");
  studio->add_option("--port", st.port, "Port (0: any free one)")->capture_default_str()->check(CLI::Range(0, 65535));
  studio->add_option("--host", st.host, "Address to listen on; another than 127.0.0.1 lets other machines in")
      ->capture_default_str();
  studio->add_option("--dir", st.dir, "The studio's folder: uploads, jobs and results (default: " +
                                          default_studio_dir() + ")");
  studio->add_option("--jobs", st.jobs, "Jobs dreamed at a time")->capture_default_str()->check(CLI::Range(1, 2));
  studio->add_option("--max-upload", st.max_upload_mb, "Largest upload, MB")->capture_default_str()->check(CLI::Range(1, 16384));
  auto* submit = farm->add_subcommand("submit", "avdream farm submit DIR: sbatch the chunks not done, then the assembly");
  submit->add_option("dir", f.dir, "The job folder")->required();
}

// What to dream of and the schedule of the dream.
void add_dream_options(CLI::App& app, Options& o) {
  auto& p = o.schedule;
  auto& t = o.targets;
  const DreamParams dream = default_dream_params(), style = style_dream_params();
  const VideoDreamParams video = default_video_params();
  app.add_option("input", o.inputs,
                 "Picture (jpg, png, bmp, webp, tiff...) or video (anything FFmpeg reads); with --spectro, sound "
                 "files and folders of them");
  app.add_option("-o,--output", o.output, "Output file; its extension picks the format");
  app.add_option("--model", o.model, "Model name on the search path, or a .pt file")->capture_default_str();
  app.add_option("--layers", t.layers,
                 "Layers to dream, e.g. block_9,block_12:0.5 (weight) or block_12#37 (one channel); "
                 "default: the model's default layers");
  app.add_option("--class", t.classes, "Class to steer the dream toward: a label (case-insensitive) or an index; repeatable");
  app.add_option("--guide", t.guides, "Guide picture: dream toward what the layers see in it; repeatable");
  // The schedule: what is not given follows the mode's defaults (a style transfer has its own).
  app.add_option("--octaves", p.octaves, "Octave pyramid levels")->default_str(defaults(dream.octaves, style.octaves));
  app.add_option("--octave-scale", p.octave_scale, "Size ratio between octaves")
      ->default_str(defaults(dream.octave_scale, style.octave_scale));
  app.add_option("--iterations", p.iterations, "Gradient steps per octave")
      ->default_str(defaults(dream.iterations, style.iterations));
  app.add_option("--step", p.step, "Step size (pixel units in [0,1], gradient normalized)")
      ->default_str(defaults(dream.step, style.step));
  app.add_option("--jitter", p.jitter, "Random shift per step, pixels")->default_str(defaults(dream.jitter, style.jitter));
  app.add_option("--max-size", p.max_size,
                 "Longest side the dream runs at; 0 = full resolution (default " + std::to_string(dream.max_size) +
                     " for pictures, " + std::to_string(style.max_size) + " for styled pictures, " +
                     std::to_string(video.dream.max_size) + " for video)");
  app.add_option("--tile", p.tile_size, "Largest tile for gradients (bounds memory)")->default_str(std::to_string(dream.tile_size));
  app.add_option("--filter", o.filter, "A dream filter (from train-filter): one forward pass per picture or frame "
                                      "instead of the optimizer's steps");
  app.add_option("--seed", p.seed, "Random seed: same seed, same result")->default_str(std::to_string(dream.seed));
}

void add_style_options(CLI::App& app, Options& o) {
  auto& st = o.targets.style;
  const std::string style_group = "Style transfer";
  app.add_option("--style", st.images, "Painting whose style the picture or video takes on; repeatable")->group(style_group);
  app.add_option("--style-blend", st.blend, "Weights of several --style paintings, e.g. 0.7,0.3")
      ->delimiter(',')->group(style_group);
  app.add_option("--style-layers", st.layers, "Layers whose Gram matrices carry the style (--layers syntax); "
                 "default: the deepest layer of each resolution down to 1/16")->group(style_group);
  app.add_option("--content-layer", st.content_layer, "Layers that keep the content (--layers syntax); "
                 "default: the deepest at 1/8 and, weighted 5, at 1/16")->group(style_group);
  app.add_option("--style-weight", st.style_weight, "Weight of the style loss")->capture_default_str()->group(style_group);
  app.add_option("--content-weight", st.content_weight, "Weight of the content loss")->capture_default_str()->group(style_group);
  app.add_option("--tv-weight", st.tv_weight, "Weight of the smoothness (total variation) loss")
      ->capture_default_str()->group(style_group);
  app.add_option("--style-scale", st.scale, "Size the paintings are seen at, relative to the picture")
      ->capture_default_str()->group(style_group);
  app.add_flag("--original-colors", st.original_colors, "Keep the picture's colours: take only the style's luminance")
      ->group(style_group);
  app.add_flag("--thin-style", o.thin_style, "Lay the style on lightly: a quarter of the style weight, a third of the steps")
      ->group(style_group);
}

void add_video_options(CLI::App& app, Options& o) {
  const std::string video_group = "Video";
  const VideoDreamParams video = default_video_params(), style_video = style_video_params(),
                         filter_video = filter_video_params();
  auto& v = o.video;
  auto& vf = o.video_flags;
  app.add_option("--blend", vf.blend, "Share of the previous frame's dream carried over along the flow")
      ->default_str(defaults(video.blend, style_video.blend, filter_video.blend))->group(video_group);
  app.add_option("--warm-iterations", vf.warm_iterations, "Steps for a frame that continues the previous dream")
      ->default_str(defaults(video.warm_iterations, style_video.warm_iterations))->group(video_group);
  app.add_option("--temporal-weight", vf.temporal_weight,
                 "Weight of the temporal loss: how firmly a frame holds to the previous output carried along the "
                 "flow (0: not at all)")
      ->default_str(defaults(video.temporal_weight, style_video.temporal_weight, filter_video.temporal_weight))
      ->group(video_group);
  app.add_flag("--no-flow", vf.no_flow, "Dream every frame from scratch")->group(video_group);
  app.add_option("--scene-cut", vf.scene_cut, "Share of the frame where the flow fails that starts a new scene")
      ->default_str(defaults(video.scene_cut, style_video.scene_cut))->group(video_group);
  app.add_option("--start", v.start, "Dream the section starting here (seconds); with --spectro, of each sound")->group(video_group);
  app.add_option("--duration", v.duration, "Length of the section (seconds); with --spectro, of each sound")->group(video_group);
  app.add_option("--codec", v.encode.codec, "libx264, libx265 or libvpx-vp9 (default: libvpx-vp9 for .webm, else libx264)")->group(video_group);
  app.add_option("--crf", v.encode.crf, "Constant quality (lower is better)")->capture_default_str()->group(video_group);
  app.add_option("--preset", o.preset, "x264/x265 speed preset")
      ->default_str(v.encode.preset + " (" + kFilterPreset + " with --filter: the encoder would take most of the time)")
      ->group(video_group);
  app.add_option("--audio", o.audio,
                 "dream (the soundtrack through the audio model; the default when one is found), keep (copy "
                 "the source's sound) or none")
      ->check(CLI::IsMember({"dream", "keep", "none"}))->group(video_group);
  app.add_option("--preview", v.preview, "Write a contact sheet PNG of source/dream pairs")->group(video_group);
  app.add_flag("--replace-input", o.replace_input,
               "Allow -o to name the input itself: it is replaced once the dream is complete");
}

void add_sound_options(CLI::App& app, Options& o) {
  const std::string audio_group = "Sound";
  auto& a = o.sound;
  app.add_flag("--spectro", [&o](int64_t) { o.command = Command::Spectro; },
               "Dream sound: every input is a sound file (or a video's soundtrack) or a folder of them; "
               "-o is a file for one input, else a folder")->group(audio_group);
  app.add_option("--audio-model", a.model, "Sound model name on the search path, or a .pt file")
      ->capture_default_str()->group(audio_group);
  app.add_option("--audio-layers", a.targets.layers, "Sound model layers, e.g. block_9,block_11:0.5; default: the model's")
      ->group(audio_group);
  app.add_option("--audio-class", a.targets.classes,
                 "Sound class to dream toward, e.g. Dog or \"Bird vocalization, bird call, bird song\"; repeatable")
      ->group(audio_group);
  app.add_option("--audio-strength", o.audio_strength, "Multiplies the sound dream's step size")
      ->capture_default_str()->group(audio_group);
  app.add_option("--audio-iterations", a.params.iterations, "Gradient steps on the spectrogram")
      ->capture_default_str()->group(audio_group);
  app.add_option("--gl-iters", a.params.gl_iterations, "Griffin-Lim iterations (phase recovery)")
      ->capture_default_str()->group(audio_group);
  app.add_option("--audio-style", a.style.sound,
                 "A sound whose texture and timbre the sound takes on (it keeps its own timing and pitch), "
                 "instead of the sound dream; in videos, the soundtrack's")->group(audio_group);
  app.add_option("--audio-style-weight", a.style.weight, "How far toward the style sound (against keeping its own)")
      ->capture_default_str()->group(audio_group);
  app.add_option("--audio-style-net", o.audio_style_net,
                 "random (one random convolution over the spectrogram: texture and timbre) or model (the "
                 "sound model's layers)")
      ->capture_default_str()->check(CLI::IsMember({"random", "model"}))->group(audio_group);
  app.add_option("--audio-style-steps", a.style.steps, "Optimizer steps of the style transfer, per 10 s block")
      ->capture_default_str()->group(audio_group);
  app.add_flag("--no-spectrogram", [&o](int64_t) { o.spectrograms = false; },
               "--spectro: no before/after picture")->group(audio_group);
  app.add_option("--theme", o.theme,
                 "dog or bird: picture and sound dream of the same thing (sets --class and --audio-class, "
                 "bird also the birds model)")->check(CLI::IsMember({"dog", "bird"}));
}

}  // namespace

void ScheduleFlags::lay_over(DreamParams& p) const {
  if (octaves) p.octaves = *octaves;
  if (iterations) p.iterations = *iterations;
  if (jitter) p.jitter = *jitter;
  if (max_size) p.max_size = *max_size;
  if (tile_size) p.tile_size = *tile_size;
  if (octave_scale) p.octave_scale = *octave_scale;
  if (step) p.step = *step;
  if (seed) p.seed = *seed;
}

void VideoFlags::lay_over(VideoDreamParams& p) const {
  if (warm_iterations) p.warm_iterations = *warm_iterations;
  if (blend) p.blend = *blend;
  if (temporal_weight) p.temporal_weight = *temporal_weight;
  if (scene_cut) p.scene_cut = *scene_cut;
  if (no_flow) p.flow = false;
}

FilterTraining Options::filter_training() const {
  const auto still = still_job();
  FilterTraining t;
  t.inputs = train.images;
  t.model = still.model;
  t.targets = still.targets;
  t.steps = train.steps;
  t.batch = train.batch;
  t.crop = train.crop;
  t.video_frames = train.video_frames;
  t.texture_weight = train.texture_weight;
  t.objective_weight = train.objective_weight;
  t.content_weight = train.content_weight;
  t.colour_weight = train.colour_weight;
  t.temporal_weight = train.temporal_weight;
  t.dream = dream_params();  // the optimizer's dreams the filter learns to look like
  t.seed = seed();
  t.device = still.device;
  t.checkpoint = train.checkpoint.empty() ? output + ".checkpoint" : train.checkpoint;
  return t;
}

DreamParams Options::dream_params() const {
  DreamParams p = !targets.style.enabled() ? default_dream_params() : thin_style ? thin_style_params() : style_dream_params();
  schedule.lay_over(p);
  return p;
}

StillJob Options::still_job() const {
  StillJob job;
  job.model = model;
  job.targets = targets;
  if (thin_style) job.targets.style = avdream::thin_style(job.targets.style);
  job.params = dream_params();
  job.filter = filter;
  job.device = parse_device(device);
  const auto t = theme_named(theme);
  if (!model_given && !t.image_model.empty()) job.model = t.image_model;
  if (job.targets.classes.empty()) job.targets.classes = t.image_classes;
  return job;
}

VideoJob Options::video_job() const {
  const auto still = still_job();
  VideoJob job = video;
  job.model = still.model;
  job.targets = still.targets;
  job.params = !filter.empty() ? filter_video_params()
               : !targets.style.enabled() ? default_video_params() : style_video_params(thin_style);
  schedule.lay_over(job.params.dream);
  video_flags.lay_over(job.params);
  job.filter = filter;
  if (preset) job.encode.preset = *preset;
  else if (!filter.empty()) job.encode.preset = kFilterPreset;
  job.audio = audio == "none" ? AudioMode::None : audio == "keep" ? AudioMode::Keep : AudioMode::Dream;
  job.sound_optional = audio.empty();  // not asked for: a clip without usable sound still dreams
  if (audio.empty()) {  // dream the sound when an audio model is at hand, else keep it
    try {
      resolve_model(sound.model);
    } catch (const Error&) {
      job.audio = AudioMode::Keep;
    }
  }
  job.sound = sound_job();
  job.device = still.device;
  return job;
}

SoundJob Options::sound_job() const {
  SoundJob job = sound;
  job.params.step *= audio_strength;
  job.params.seed = seed();
  job.start = video.start;
  job.duration = video.duration;
  job.device = parse_device(device);
  job.style.net = parse_audio_style_net(audio_style_net);
  if (job.targets.classes.empty() && !job.style.enabled()) job.targets.classes = theme_named(theme).sound_classes;
  return job;
}

namespace {

// A filter gives the one dream it was trained for: an option that chooses or tunes the optimizer's
// dream would be dropped without a word, so it is refused. (The flow hold's --blend and
// --temporal-weight, the section, encoding and sound options do apply.)
std::optional<std::string> filter_conflict(const CLI::App& app, const Options& o) {
  if (o.filter.empty()) return std::nullopt;
  if (o.command == Command::Spectro) return "--filter dreams pictures and video; --spectro dreams sounds";
  for (const char* command : {"train-filter", "retrain", "studio"})
    if (*app.get_subcommand(command)) return std::string("--filter does not apply to ") + command;
  for (const char* flag : {"--model", "--layers", "--class", "--guide", "--theme", "--style", "--style-blend",
                           "--style-layers", "--content-layer", "--style-weight", "--content-weight", "--tv-weight",
                           "--style-scale", "--original-colors", "--thin-style", "--octaves", "--octave-scale",
                           "--iterations", "--step", "--jitter", "--tile", "--warm-iterations"})
    if (app.get_option(flag)->count())
      return std::string(flag) + " does not apply with --filter: a filter gives the dream it was trained for "
             "(avdream models says which); train-filter " + flag + " ... trains one for another";
  return std::nullopt;
}

// After parsing: the command, the checks CLI11 cannot make, the default output name.
std::optional<int> settle(const CLI::App& app, Options& o) {
  o.model_given = app.get_option("--model")->count() > 0;
  const auto& v = o.video;
  auto& f = o.farm;
  auto usage = [](const std::string& message) {
    std::cerr << "avdream: " << message << " (see avdream --help)\n";
    return 2;
  };
  if (const auto* empty = given_empty(app))
    return usage((empty->get_positional() ? "the " + empty->get_name() : empty->get_name()) + " is empty");
  if (const auto conflict = filter_conflict(app, o)) return usage(*conflict);
  // CLI11 reads "-1" into an unsigned seed as 2^64-1: a sign is a mistake, not a seed.
  for (const auto& given : app.get_option("--seed")->results())
    if (given.find('-') != std::string::npos) return usage("--seed must be a whole number, 0 or more (got " + given + ")");
  if (!(o.audio_strength > 0)) return usage("--audio-strength must be more than 0");
  if (o.sound.style.enabled())
    for (const char* dream_flag : {"--audio-layers", "--audio-class"})
      if (app.get_option(dream_flag)->count())
        return usage(std::string("--audio-style styles the sound instead of dreaming it: ") + dream_flag + " does not apply");
  // The library reads a negative duration as "to the end"; on the command line it is a mistake.
  if (app.get_option("--start")->count() && !(std::isfinite(v.start) && v.start >= 0)) return usage("--start must be 0 or more seconds");
  if (app.get_option("--duration")->count() && !(std::isfinite(v.duration) && v.duration > 0))
    return usage("--duration must be a number of seconds, more than 0");
  if (o.thin_style && !o.targets.style.enabled()) return usage("--thin-style needs --style (it lightens a style transfer)");
  for (auto* action : app.get_subcommand("farm")->get_subcommands()) {
    o.command = Command::Farm;
    f.action = action->get_name();
  }
  if (o.command == Command::Farm) {
    if (f.action == "plan" && o.output.empty()) return usage("farm plan needs -o OUTPUT");
    if (f.action == "plan" && o.inputs.size() != 1) return usage("farm plan takes one video");
    return std::nullopt;
  }
  if (*app.get_subcommand("train-filter")) {
    o.command = Command::TrainFilter;
    if (o.output.empty()) return usage("train-filter needs -o NAME.filter.pt");
    return std::nullopt;
  }
  if (*app.get_subcommand("retrain")) {
    o.command = Command::Retrain;
    if (o.retrain.images.empty() && o.retrain.sounds.empty()) return usage("retrain needs --images DIR or --sounds DIR");
    if (o.output.empty()) return usage("retrain needs -o NAME.pt");
    return std::nullopt;
  }
  if (*app.get_subcommand("studio")) {
    o.command = Command::Studio;
    return std::nullopt;
  }
  if (*app.get_subcommand("models")) {
    o.command = Command::ListModels;
  } else if (*app.get_subcommand("layers")) {
    o.command = Command::ListLayers;
  } else if (o.inputs.empty()) {
    return usage("no input given");
  } else if (o.command == Command::Spectro) {
    // The output is decided per file by dream_sounds().
  } else if (o.inputs.size() > 1) {
    return usage("one picture or video at a time (" + std::to_string(o.inputs.size()) +
                 " inputs given); --spectro takes several sound files");
  } else if (o.output.empty()) {
    const std::filesystem::path in(o.input());
    o.output = in.stem().string() + "_dream" + in.extension().string();
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, Options& o) {
  CLI::App app{"avdream: DeepDream for pictures and video.\n"
               "  avdream photo.jpg -o dream.png [options]\n"
               "  avdream clip.mp4 -o dreamed.mp4 [options]\n"
               "  avdream --spectro sounds/ -o dreamed/ [options]\n"
               "  avdream farm plan|chunk|assemble|status|submit ...   render farm (see avdream farm --help)\n"
               "  avdream models                 list the models on the search path\n"
               "  avdream layers [--model NAME]  list a model's layers"};
  app.fallthrough();  // options like --model also work after a subcommand
  add_commands(app, o);
  add_dream_options(app, o);
  add_style_options(app, o);
  add_video_options(app, o);
  add_sound_options(app, o);
  app.add_option("--threads", o.threads, "Compute threads; 0 = all cores")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  app.set_version_flag("--version", version_text, "avdream's version and the libraries it runs with");
  app.add_flag("-q,--quiet", o.quiet, "No progress or summary");
  app.add_flag("-v,--verbose", o.verbose, "More detail about what runs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "avdream: " << e.what() << " (see avdream --help)\n";
    return 2;
  }
  return settle(app, o);
}

}  // namespace avdream::cli
