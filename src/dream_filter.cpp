// DreamFilter: the network as a TorchScript module defined from C++ (its source is generated
// below), so a filter trained here loads anywhere TorchScript does.
#include <avdream/dream_filter.hpp>
#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace avdream {
namespace {

// conv + instance norm (+ ReLU): every layer but the output is one of these. The convolutions
// pad with zeros themselves: reflection padding as a separate pass cost a third of the forward
// pass at 640x360 on 2 cores (measured), and training on crops teaches the borders anyway.
const char* kHelpers = R"JIT(
def conv(self, x: Tensor, w: Tensor, b: Tensor, stride: int) -> Tensor:
    p = (w.size(2) - 1) // 2
    return torch.conv2d(x, w, b, [stride, stride], [p, p])
def layer(self, x: Tensor, w: Tensor, b: Tensor, g: Tensor, n: Tensor, stride: int, relu: bool) -> Tensor:
    y = torch.instance_norm(self.conv(x, w, b, stride), g, n, None, None, True, 0.1, 1e-5, False)
    if relu:
        y = torch.relu(y)
    return y
def up(self, x: Tensor, like: Tensor) -> Tensor:
    return torch.upsample_nearest2d(x, [like.size(2), like.size(3)], None, None)
)JIT";

std::string params_of(const std::string& name) {
  return "self." + name + "_w, self." + name + "_b, self." + name + "_g, self." + name + "_n";
}

std::string forward_source(int residual_blocks) {
  std::ostringstream s;
  s << "def forward(self, x: Tensor) -> Tensor:\n"
    << "    h0 = self.layer(x, " << params_of("e0") << ", 1, True)\n"
    << "    h1 = self.layer(h0, " << params_of("e1") << ", 2, True)\n"
    << "    h = self.layer(h1, " << params_of("e2") << ", 2, True)\n";
  for (int r = 0; r < residual_blocks; ++r) {
    const auto a = "r" + std::to_string(r) + "a", b = "r" + std::to_string(r) + "b";
    s << "    h = h + self.layer(self.layer(h, " << params_of(a) << ", 1, True), " << params_of(b) << ", 1, False)\n";
  }
  s << "    h = self.layer(self.up(h, h1), " << params_of("d1") << ", 1, True)\n"
    << "    h = self.layer(self.up(h, h0), " << params_of("d0") << ", 1, True)\n"
    << "    return torch.tanh(self.conv(h, self.out_w, self.out_b, 1)) * self.max_detail\n";
  return s.str();
}

// He initialisation for the ReLU layers; the output starts near zero (a filter that does nothing).
void add_conv(torch::jit::Module& m, at::Generator& random, const std::string& name, int64_t in, int64_t out,
              int64_t k, bool normed, double gain = 1.0) {
  const double sd = gain * std::sqrt(2.0 / double(in * k * k));
  m.register_parameter(name + "_w", (torch::randn({out, in, k, k}, random) * sd).requires_grad_(true), false);
  m.register_parameter(name + "_b", torch::zeros({out}).requires_grad_(true), false);
  if (!normed) return;
  m.register_parameter(name + "_g", torch::ones({out}).requires_grad_(true), false);
  m.register_parameter(name + "_n", torch::zeros({out}).requires_grad_(true), false);
}

}  // namespace

DreamFilter DreamFilter::create(const FilterArchitecture& arch, uint64_t seed, torch::Device device) {
  if (arch.channels < 1 || arch.residual_blocks < 0 || arch.edge_kernel < 1 || arch.edge_kernel % 2 == 0 ||
      !(arch.max_detail > 0 && arch.max_detail <= 1))
    throw ParameterError("FilterArchitecture",
                         "needs channels >= 1, residual_blocks >= 0, an odd edge_kernel, max_detail in (0, 1]");
  // A generator of its own: creating a filter does not reseed the caller's random numbers.
  auto random = at::detail::createCPUGenerator(seed);
  DreamFilter f;
  auto& m = f.module_;
  const int64_t c = arch.channels;
  add_conv(m, random, "e0", 3, c, arch.edge_kernel, true);
  add_conv(m, random, "e1", c, 2 * c, 3, true);
  add_conv(m, random, "e2", 2 * c, 4 * c, 3, true);
  for (int r = 0; r < arch.residual_blocks; ++r) {
    add_conv(m, random, "r" + std::to_string(r) + "a", 4 * c, 4 * c, 3, true);
    add_conv(m, random, "r" + std::to_string(r) + "b", 4 * c, 4 * c, 3, true);
  }
  add_conv(m, random, "d1", 4 * c, 2 * c, 3, true);
  add_conv(m, random, "d0", 2 * c, c, 3, true);
  add_conv(m, random, "out", c, 3, arch.edge_kernel, false, 0.1);
  m.register_attribute("max_detail", c10::FloatType::get(), arch.max_detail);
  m.register_attribute("avdream_filter", c10::IntType::get(), int64_t{1});
  m.register_attribute("trained_for", c10::StringType::get(), f.trained_for_);
  m.register_attribute("how_trained", c10::StringType::get(), f.training_);
  m.register_attribute("working_size", c10::IntType::get(), int64_t{f.working_size_});
  m.define(kHelpers);
  m.define(forward_source(arch.residual_blocks));
  m.to(device);
  return f;
}

DreamFilter DreamFilter::load(const std::string& path, torch::Device device) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error("dream filter '" + path + "' not found");
  // A pipe or a device would be read forever.
  if (!fs::is_regular_file(path, ec)) throw Error("dream filter '" + path + "' is not a file");
  DreamFilter f;
  try {
    f.module_ = torch::jit::load(path, device);
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is not a dream filter (not TorchScript)");
  }
  const auto broken = [&](const std::string& what) { return Error("dream filter '" + path + "' is unusable: " + what); };
  auto& m = f.module_;
  if (!m.hasattr("avdream_filter") || !m.find_method("forward"))
    throw Error("'" + path + "' is not a dream filter (no avdream_filter attribute)");
  const auto text = [&](const char* name) {
    if (!m.hasattr(name) || !m.attr(name).isString()) throw broken(std::string("no text attribute '") + name + "'");
    return m.attr(name).toStringRef();
  };
  f.trained_for_ = text("trained_for");
  f.training_ = text("how_trained");
  if (!m.hasattr("working_size") || !m.attr("working_size").isInt()) throw broken("no whole-number 'working_size'");
  const auto working_size = m.attr("working_size").toInt();
  if (working_size < 16 || working_size > 16384) throw broken("working_size " + std::to_string(working_size) + " is not in [16, 16384]");
  f.working_size_ = static_cast<int>(working_size);
  if (m.hasattr("max_detail") && !(m.attr("max_detail").isDouble() && std::isfinite(m.attr("max_detail").toDouble())))
    throw broken("max_detail is not a finite number");
  for (const auto& p : m.parameters())
    if (!torch::isfinite(p).all().item<bool>()) throw broken("its weights hold NaN or infinite values");
  f.path_ = path;
  m.eval();
  return f;
}

namespace {

void check_batch(const torch::Tensor& batch) {
  if (batch.dim() != 4 || batch.size(1) != 3) throw Error("a dream filter takes [N,3,H,W] pictures");
  if (batch.size(2) < 16 || batch.size(3) < 16) throw Error("a dream filter needs pictures of at least 16x16 pixels");
}

}  // namespace

torch::Tensor DreamFilter::forward(const torch::Tensor& batch) const {
  check_batch(batch);
  auto m = module_;  // a handle: forward() is not const in TorchScript's API
  return m.forward({batch}).toTensor();
}

torch::Tensor DreamFilter::detail(const torch::Tensor& rgb) const {
  torch::NoGradGuard no_grad;
  const auto device = module_.parameters().begin().operator*().device();
  const auto out = forward(rgb.to(device, torch::kFloat).unsqueeze(0));
  // A filter file from elsewhere may break its contract: never a stretched or black picture.
  if (out.sizes() != torch::IntArrayRef{1, 3, rgb.size(1), rgb.size(2)})
    throw Error("dream filter '" + path_ + "' gave detail of another shape than the picture's");
  if (!torch::isfinite(out).all().item<bool>()) throw Error("dream filter '" + path_ + "' gave NaN or infinite detail");
  return out.squeeze(0);
}

std::vector<torch::Tensor> DreamFilter::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : module_.parameters()) out.push_back(p);
  return out;
}

int64_t DreamFilter::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : module_.parameters()) n += p.numel();
  return n;
}

void DreamFilter::describe(std::string trained_for, std::string training, int working_size) {
  trained_for_ = std::move(trained_for);
  training_ = std::move(training);
  working_size_ = working_size;
  module_.setattr("trained_for", trained_for_);
  module_.setattr("how_trained", training_);
  module_.setattr("working_size", int64_t{working_size_});
}

void DreamFilter::save(const std::string& path) const {
  write_whole(path, [this](const std::string& partial) { module_.save(partial); });
}

bool is_dream_filter(const std::string& path) {
  try {
    return torch::jit::load(path).hasattr("avdream_filter");
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace avdream
