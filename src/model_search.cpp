// Finding model files by name on the search path.
#include <avdream/error.hpp>
#include <avdream/model.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace avdream {
namespace fs = std::filesystem;
namespace {

fs::path executable_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// The installed models' folder, found from this library's own file (so that any program that
// loads the library finds them: the CLI, a frei0r host such as ffmpeg or melt, a user's program).
fs::path installed_models_dir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&installed_models_dir), &info) || !info.dli_fname) return {};
  std::error_code ec;
  const auto lib = fs::canonical(info.dli_fname, ec);
  return ec ? fs::path() : (lib.parent_path() / AVDREAM_INSTALLED_MODELS_FROM_LIB).lexically_normal();
}

}  // namespace

std::vector<std::string> model_search_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("AVDREAM_MODEL_PATH")) {
    std::stringstream ss(env);
    for (std::string dir; std::getline(ss, dir, ':');)
      if (!dir.empty()) dirs.push_back(dir);
  }
  if (const auto installed = installed_models_dir(); !installed.empty() && fs::is_directory(installed))
    dirs.push_back(installed.string());
  dirs.push_back(AVDREAM_MODELS_DIR);
  if (const auto exe = executable_dir(); !exe.empty()) {
    dirs.push_back((exe / "models").string());
    dirs.push_back((exe.parent_path() / "models").string());
  }
  return dirs;
}

Model load_model(const std::string& name_or_path, ModelKind kind, const std::string& job, torch::Device device) {
  auto model = Model::load(resolve_model(name_or_path), device);
  if (model.kind() != kind)
    throw UsageError("model " + model.name() + " is a " + to_string(model.kind()) + " model; " + job + " needs " +
                     (kind == ModelKind::Image ? "an image" : "a log-mel") + " model");
  return model;
}

namespace {

constexpr const char* kFilterSuffix = ".filter.pt";

// Every file in `dirs` that `wanted` accepts, named by `name_of` (first one wins).
template <typename Accept, typename NameOf>
std::vector<ModelFile> find_in(const std::vector<std::string>& dirs, Accept wanted, NameOf name_of) {
  std::vector<ModelFile> found;
  std::set<std::string> seen;
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::error_code file_ec;  // a pipe or a device named like a model would be read forever
      if (wanted(entry.path()) && fs::is_regular_file(entry.path(), file_ec)) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (seen.insert(name_of(f)).second) found.push_back({name_of(f), f.string()});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return found;
}

}  // namespace

bool is_filter_name(const std::string& file) {
  const std::string name = fs::path(file).filename().string(), suffix = kFilterSuffix;
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<ModelFile> find_models() {
  return find_in(model_search_path(),
      [](const fs::path& p) { return p.extension() == ".pt" && !is_filter_name(p.string()); },
      [](const fs::path& p) { return p.stem().string(); });
}

std::vector<ModelFile> find_filters() {
  // The shipped filters live in models/filters/; a user's may sit beside the models.
  std::vector<std::string> dirs;
  for (const auto& dir : model_search_path()) {
    dirs.push_back(dir);
    dirs.push_back((fs::path(dir) / "filters").string());
  }
  return find_in(dirs, [](const fs::path& p) { return is_filter_name(p.string()); },
                             [](const fs::path& p) {
                               const auto name = p.filename().string();
                               return name.substr(0, name.size() - std::string(kFilterSuffix).size());
                             });
}

namespace {

// A word without a folder or a .pt ending is a name on the search path, whatever file or folder
// of that name the current folder holds.
bool names_a_file(const std::string& name_or_path) {
  return name_or_path.find('/') != std::string::npos || fs::path(name_or_path).extension() == ".pt";
}

}  // namespace

std::string resolve_filter(const std::string& name_or_path) {
  std::error_code ec;
  if (names_a_file(name_or_path)) {
    if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
    if (fs::exists(name_or_path, ec)) throw Error("dream filter '" + name_or_path + "' is not a file");
  }
  if (name_or_path.find('/') != std::string::npos) throw Error("dream filter '" + name_or_path + "' not found");
  std::vector<std::string> names;
  for (const auto& f : find_filters()) {
    if (f.name == name_or_path || f.name + kFilterSuffix == name_or_path) return f.path;
    names.push_back(f.name);
  }
  throw UsageError("unknown dream filter '" + name_or_path + "'; " +
                   (names.empty() ? std::string("none on the search path") : "found: " + join_names(names)));
}

std::string resolve_model(const std::string& name_or_path) {
  std::error_code ec;
  if (names_a_file(name_or_path) && fs::is_regular_file(name_or_path, ec)) return name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos;
  const auto folder = [&] {
    return UsageError("model '" + name_or_path + "' is a folder; give a .pt file or a model name (AVDREAM_MODEL_PATH=" +
                      name_or_path + " adds the folder to the search path)");
  };
  if (looks_like_path && fs::is_directory(name_or_path)) throw folder();
  if (looks_like_path) throw Error("model file '" + name_or_path + "' not found");
  std::string name = name_or_path;
  if (fs::path(name).extension() == ".pt") name = fs::path(name).stem().string();
  std::vector<std::string> names;
  for (const auto& m : find_models()) {
    if (m.name == name) return m.path;
    names.push_back(m.name);
  }
  if (fs::is_directory(name_or_path)) throw folder();
  std::string msg = "unknown model '" + name_or_path + "'; ";
  msg += names.empty() ? "no models found on the search path (" + join_names(model_search_path()) +
                             "): run scripts/get-models.sh or set AVDREAM_MODEL_PATH"
                       : "available: " + join_names(names);
  throw UsageError(msg);
}

}  // namespace avdream
