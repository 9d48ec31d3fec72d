// avdream as a frei0r filter (ffmpeg -vf frei0r, MLT: Kdenlive, Shotcut, Flowblade; GStreamer).
//
// This file is all the host loads when it opens the plugin: it links no LibTorch, no OpenCV, no
// engine. The engine (engine.cpp, through engine_api.h) is loaded with dlopen when a frame
// first needs a dream, so an editor that opens every plugin at start pays nothing for this one.
//
// Each instance keeps the dream's temporal state (warm starts and hold along the flow) between
// calls; the engine restarts it on a seek or a size change (frame_stream.hpp). Hosts may make
// one instance per thread (MLT does): instances share nothing but the loaded engine. Nothing
// here throws into the host: a missing model, a bad parameter or an engine that cannot load
// makes the frames pass through unchanged, with one line on stderr saying why.
#include "engine_api.h"

extern "C" {  // frei0r.h declares the plugin functions without C linkage of its own
#include <frei0r.h>
}

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

// --- The engine, loaded once per process on first use -----------------------------------------

struct Engine {
  avdream_fx_create_fn create = nullptr;
  avdream_fx_update_fn update = nullptr;
  avdream_fx_destroy_fn destroy = nullptr;
  std::string error;  // why it could not be loaded
};

std::string plugin_dir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&plugin_dir), &info) || !info.dli_fname) return ".";
  const std::string path = info.dli_fname;
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Where the engine is: $AVDREAM_FREI0R_ENGINE, else where the install puts it relative to this
// plugin's folder, else where the build tree does.
const Engine& engine() {
  static Engine loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string tried;
    void* handle = nullptr;
    const char* env = std::getenv("AVDREAM_FREI0R_ENGINE");
    for (const std::string& path : {std::string(env ? env : ""), plugin_dir() + "/" + AVDREAM_ENGINE_FROM_PLUGIN,
                                   plugin_dir() + "/" + AVDREAM_ENGINE_IN_BUILD}) {
      if (path.empty() || handle) continue;
      handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) tried += std::string(tried.empty() ? "" : "; ") + dlerror();
    }
    if (!handle) {
      loaded.error = "cannot load the avdream engine (" + tried + ")";
      return;
    }
    const auto version = reinterpret_cast<avdream_fx_api_version_fn>(dlsym(handle, "avdream_fx_api_version"));
    loaded.create = reinterpret_cast<avdream_fx_create_fn>(dlsym(handle, "avdream_fx_create"));
    loaded.update = reinterpret_cast<avdream_fx_update_fn>(dlsym(handle, "avdream_fx_update"));
    loaded.destroy = reinterpret_cast<avdream_fx_destroy_fn>(dlsym(handle, "avdream_fx_destroy"));
    if (!version || !loaded.create || !loaded.update || !loaded.destroy || version() != AVDREAM_FX_API_VERSION) {
      loaded = Engine{};
      loaded.error = "the avdream engine found does not match this plugin (reinstall avdream)";
    }
    // Never unloaded: LibTorch does not survive dlclose.
  });
  return loaded;
}

// --- Parameters ------------------------------------------------------------------------------

enum Param { kFilter, kStrength, kSeed, kLayers, kModel, kSteps, kOctaves, kSize, kFlow, kClasses, kDevice, kColors, kParamCount };

// frei0r's doubles are in [0, 1] (GStreamer refuses others, editors' sliders assume it), so
// whole numbers (seed, steps, octaves, size) are strings: "42" from ffmpeg, MLT and GStreamer alike.
const f0r_param_info_t kParams[kParamCount] = {
    {"filter", F0R_PARAM_STRING, "Dream filter (name such as default or animal-faces, or a .filter.pt file): fast. Empty: the optimizer (slow, the full dream)"},
    {"strength", F0R_PARAM_DOUBLE, "Strength: 0 the source, 0.5 the dream as avdream makes it, 1 twice its detail"},
    {"seed", F0R_PARAM_STRING, "Random seed of the dream's jitter (a whole number)"},
    {"layers", F0R_PARAM_STRING, "Layers to dream (avdream --layers syntax, e.g. block_12). Empty: the model's default layers"},
    {"model", F0R_PARAM_STRING, "Image model (name or .pt file). Empty: imagenet_mobilenet_v2"},
    {"steps", F0R_PARAM_STRING, "Gradient steps per octave of a full dream (0: the video default)"},
    {"octaves", F0R_PARAM_STRING, "Octaves of a full dream (0: the video default)"},
    {"size", F0R_PARAM_STRING, "Working size, longest side in pixels (0: 480, or a filter's own)"},
    {"flow", F0R_PARAM_BOOL, "Carry the dream along the optical flow between frames (steady, and faster)"},
    {"classes", F0R_PARAM_STRING, "Classes to dream of, comma-separated labels or indices (optimizer only)"},
    {"device", F0R_PARAM_STRING, "cpu, cuda or cuda:N (empty: cpu)"},
    {"original_colors", F0R_PARAM_BOOL, "Keep the frame's own colours under the dream"},
};

// A whole-number parameter's text: "" is 0, anything that is not a number NaN (the engine
// refuses it by name).
double number(const std::string& text) {
  if (text.empty()) return 0.0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end && *end == '\0' ? value : std::nan("");
}

struct Settings {
  std::string strings[kParamCount];
  double numbers[kParamCount] = {};
  Settings() {
    numbers[kStrength] = 0.5;
    numbers[kFlow] = 1.0;
    strings[kSeed] = strings[kSteps] = strings[kOctaves] = strings[kSize] = "0";
  }
  bool operator==(const Settings& o) const {
    for (int i = 0; i < kParamCount; ++i)
      if (strings[i] != o.strings[i] || !(numbers[i] == o.numbers[i] || (std::isnan(numbers[i]) && std::isnan(o.numbers[i]))))
        return false;
    return true;
  }
  avdream_fx_settings to_c() const {
    avdream_fx_settings s{};
    s.filter = strings[kFilter].c_str();
    s.model = strings[kModel].c_str();
    s.layers = strings[kLayers].c_str();
    s.classes = strings[kClasses].c_str();
    s.device = strings[kDevice].c_str();
    s.strength = numbers[kStrength];
    s.steps = number(strings[kSteps]);
    s.octaves = number(strings[kOctaves]);
    s.size = number(strings[kSize]);
    s.seed = number(strings[kSeed]);
    s.flow = numbers[kFlow] >= 0.5;
    s.original_colors = numbers[kColors] >= 0.5;
    return s;
  }
};

// --- An instance ------------------------------------------------------------------------------

struct Instance {
  unsigned width, height;
  std::mutex mutex;       // a host may call one instance from several threads, one at a time
  Settings settings;      // as the host set them
  Settings made_with;     // what `fx` was made with
  avdream_fx* fx = nullptr;
  bool failed = false;    // `made_with` could not be made: pass through until the settings change
  std::string last_error; // said once

  ~Instance() {
    if (fx) engine().destroy(fx);
  }

  void say_once(const std::string& error) {
    if (error == last_error) return;
    last_error = error;
    std::fprintf(stderr, "avdream (frei0r): %s; frames pass through unchanged\n", error.c_str());
  }

  // The engine for the current settings, made when they changed; nullptr when it cannot be.
  avdream_fx* ready() {
    if ((fx || failed) && settings == made_with) return fx;
    if (fx) engine().destroy(fx), fx = nullptr;
    made_with = settings;
    failed = true;
    const Engine& e = engine();
    if (!e.create) return say_once(e.error), nullptr;
    char error[1024] = "";
    const avdream_fx_settings c = settings.to_c();
    fx = e.create(&c, error, sizeof error);
    if (!fx) return say_once(error), nullptr;
    failed = false;
    return fx;
  }

  void update(double time, const uint32_t* in, uint32_t* out) {
    std::lock_guard lock(mutex);
    char error[1024] = "";
    avdream_fx* f = ready();
    if (f && engine().update(f, time, width, height, in, out, error, sizeof error)) return;
    if (f) say_once(error);
    if (in != out) std::memcpy(out, in, static_cast<size_t>(width) * height * 4);
  }
};

}  // namespace

extern "C" {

int f0r_init() { return 1; }  // nothing to do until a frame needs the engine
void f0r_deinit() {}

void f0r_get_plugin_info(f0r_plugin_info_t* info) {
  info->name = "avdream";
  info->author = "avdream";
  info->plugin_type = F0R_PLUGIN_TYPE_FILTER;
  info->color_model = F0R_COLOR_MODEL_RGBA8888;
  info->frei0r_version = FREI0R_MAJOR_VERSION;
  info->major_version = AVDREAM_VERSION_MAJOR;
  info->minor_version = AVDREAM_VERSION_MINOR;
  info->num_params = kParamCount;
  info->explanation =
      "DeepDream: a CNN's layers dreamed into every frame, steady along the optical flow. "
      "With a dream filter (filter=default) fast enough for editing; with the optimizer a slow render effect.";
}

void f0r_get_param_info(f0r_param_info_t* info, int index) {
  if (index >= 0 && index < kParamCount) *info = kParams[index];
}

f0r_instance_t f0r_construct(unsigned int width, unsigned int height) {
  if (width == 0 || height == 0) return nullptr;
  try {
    auto* instance = new Instance;
    instance->width = width;
    instance->height = height;
    return instance;
  } catch (...) {
    return nullptr;
  }
}

void f0r_destruct(f0r_instance_t instance) { delete static_cast<Instance*>(instance); }

void f0r_set_param_value(f0r_instance_t instance, f0r_param_t param, int index) {
  auto* self = static_cast<Instance*>(instance);
  if (!self || !param || index < 0 || index >= kParamCount) return;
  std::lock_guard lock(self->mutex);
  if (kParams[index].type == F0R_PARAM_STRING) {
    const char* text = *static_cast<f0r_param_string*>(param);
    self->settings.strings[index] = text ? text : "";
  } else {
    self->settings.numbers[index] = *static_cast<f0r_param_double*>(param);
  }
}

void f0r_get_param_value(f0r_instance_t instance, f0r_param_t param, int index) {
  auto* self = static_cast<Instance*>(instance);
  if (!self || !param || index < 0 || index >= kParamCount) return;
  std::lock_guard lock(self->mutex);
  if (kParams[index].type == F0R_PARAM_STRING)
    *static_cast<f0r_param_string*>(param) = const_cast<char*>(self->settings.strings[index].c_str());
  else
    *static_cast<f0r_param_double*>(param) = self->settings.numbers[index];
}

void f0r_update(f0r_instance_t instance, double time, const uint32_t* in, uint32_t* out) {
  auto* self = static_cast<Instance*>(instance);
  if (!self || !in || !out) return;
  try {
    self->update(time, in, out);
  } catch (...) {  // std::bad_alloc, a locking failure: never into the host
    if (in != out) std::memcpy(out, in, static_cast<size_t>(self->width) * self->height * 4);
  }
}

}  // extern "C"
