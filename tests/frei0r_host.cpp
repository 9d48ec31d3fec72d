// A minimal frei0r host for the plugin's tests, linking nothing but libdl and threads (like an
// editor that has never heard of LibTorch):
//
//   frei0r_host PLUGIN.so WIDTH HEIGHT FRAMES INSTANCES [name=value ...]
//
// Loads the plugin, reads its info, makes INSTANCES instances and sets the parameters, then
// says whether LibTorch is loaded yet ("engine before frames: no"). Each instance then runs, on
// its own thread, the same FRAMES synthetic frames (a pattern moving 2 px a frame); the program
// prints whether LibTorch is loaded now, and per frame the mean absolute change the first
// instance made, and the largest difference between any instance's frame and the first's.
extern "C" {  // frei0r.h declares the plugin functions without C linkage of its own
#include <frei0r.h>
}

#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

template <typename F>
F symbol(void* handle, const char* name) {
  auto f = reinterpret_cast<F>(dlsym(handle, name));
  if (!f) {
    std::fprintf(stderr, "frei0r_host: the plugin has no %s\n", name);
    std::exit(2);
  }
  return f;
}

bool torch_loaded() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.find("libtorch") != std::string::npos) return true;
  return false;
}

std::vector<uint32_t> pattern(unsigned w, unsigned h, int frame) {
  std::vector<uint32_t> px(static_cast<size_t>(w) * h);
  for (unsigned y = 0; y < h; ++y)
    for (unsigned x = 0; x < w; ++x) {
      const double u = (x + 2.0 * frame) / w, v = static_cast<double>(y) / h;
      const auto r = static_cast<uint32_t>(127 + 120 * std::sin(9 * u + 3 * v));
      const auto g = static_cast<uint32_t>(127 + 120 * std::cos(7 * v - 2 * u));
      const auto b = static_cast<uint32_t>((x / 16 + y / 16) % 2 ? 200 : 60);
      px[static_cast<size_t>(y) * w + x] = r | g << 8 | b << 16 | 255u << 24;  // RGBA in memory
    }
  return px;
}

int channel(uint32_t p, int c) { return static_cast<int>(p >> (8 * c) & 255u); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: frei0r_host PLUGIN.so WIDTH HEIGHT FRAMES INSTANCES [name=value ...]\n");
    return 2;
  }
  const unsigned w = std::atoi(argv[2]), h = std::atoi(argv[3]);
  const int frames = std::atoi(argv[4]), instances = std::atoi(argv[5]);
  void* plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!plugin) {
    std::fprintf(stderr, "frei0r_host: %s\n", dlerror());
    return 2;
  }
  auto init = symbol<int (*)()>(plugin, "f0r_init");
  auto info_of = symbol<void (*)(f0r_plugin_info_t*)>(plugin, "f0r_get_plugin_info");
  auto param_info = symbol<void (*)(f0r_param_info_t*, int)>(plugin, "f0r_get_param_info");
  auto construct = symbol<f0r_instance_t (*)(unsigned, unsigned)>(plugin, "f0r_construct");
  auto destruct = symbol<void (*)(f0r_instance_t)>(plugin, "f0r_destruct");
  auto set_param = symbol<void (*)(f0r_instance_t, f0r_param_t, int)>(plugin, "f0r_set_param_value");
  auto update = symbol<void (*)(f0r_instance_t, double, const uint32_t*, uint32_t*)>(plugin, "f0r_update");
  auto deinit = symbol<void (*)()>(plugin, "f0r_deinit");

  if (!init()) return 3;
  f0r_plugin_info_t info{};
  info_of(&info);
  std::printf("plugin: %s, %d parameters, colour model %d\n", info.name, info.num_params, info.color_model);
  std::vector<f0r_instance_t> made;
  for (int i = 0; i < instances; ++i) made.push_back(construct(w, h));
  for (int a = 6; a < argc; ++a) {
    const std::string arg = argv[a];
    const auto eq = arg.find('=');
    for (int p = 0; p < info.num_params; ++p) {
      f0r_param_info_t pi{};
      param_info(&pi, p);
      if (arg.substr(0, eq) != pi.name) continue;
      const std::string value = arg.substr(eq + 1);
      for (auto* inst : made) {
        if (pi.type == F0R_PARAM_STRING) {
          const char* text = value.c_str();
          set_param(inst, const_cast<char**>(&text), p);
        } else {
          double number = std::strtod(value.c_str(), nullptr);
          set_param(inst, &number, p);
        }
      }
    }
  }
  std::printf("engine before frames: %s\n", torch_loaded() ? "yes" : "no");

  std::vector<std::vector<std::vector<uint32_t>>> outputs(instances);
  std::vector<std::thread> threads;
  for (int i = 0; i < instances; ++i)
    threads.emplace_back([&, i] {
      for (int f = 0; f < frames; ++f) {
        const auto in = pattern(w, h, f);
        std::vector<uint32_t> out(in.size());
        update(made[i], f / 25.0, in.data(), out.data());
        outputs[i].push_back(std::move(out));
      }
    });
  for (auto& t : threads) t.join();
  std::printf("engine after frames: %s\n", torch_loaded() ? "yes" : "no");

  for (int f = 0; f < frames; ++f) {
    const auto in = pattern(w, h, f);
    double change = 0;
    int spread = 0;
    for (size_t k = 0; k < in.size(); ++k)
      for (int c = 0; c < 4; ++c) {
        change += std::abs(channel(outputs[0][f][k], c) - channel(in[k], c));
        for (int i = 1; i < instances; ++i)
          spread = std::max(spread, std::abs(channel(outputs[i][f][k], c) - channel(outputs[0][f][k], c)));
      }
    std::printf("frame %d: change %.3f spread %d\n", f, change / (in.size() * 3.0), spread);
  }
  for (auto* inst : made) destruct(inst);
  deinit();
  return 0;
}
