// manifest.json: the farm's plan, every setting spelled out so any node renders alike.
#include "manifest.hpp"

#include <avdream/error.hpp>
#include <avdream/partial_file.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace avdream {
using nlohmann::json;

// Field by field, both ways: a manifest written by one build reads back in another, and a
// field missing from an older manifest keeps its default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StyleSettings, images, blend, layers, content_layer, style_weight,
                                                content_weight, tv_weight, scale, original_colors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DreamTargets, layers, classes, guides, class_weight, style)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DreamParams, octaves, octave_scale, iterations, step, jitter, max_size,
                                                tile_size, seed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VideoDreamParams, dream, warm_iterations, warm_step, blend, flow,
                                                scene_cut, temporal_weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AudioDreamParams, iterations, seed, step, gl_iterations, block_seconds,
                                                overlap_seconds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EncodeSettings, codec, crf, preset)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FarmSettings, chunks, warmup, hand_over, avdream, partition,
                                                cpus_per_task, time_limit)

NLOHMANN_JSON_SERIALIZE_ENUM(AudioStyleNet, {{AudioStyleNet::Random, "random"}, {AudioStyleNet::Model, "model"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AudioStyleSettings, sound, weight, net, steps, learning_rate)

void to_json(json& j, const SoundJob& s) {
  j = {{"model", s.model}, {"targets", s.targets}, {"params", s.params}, {"style", s.style}};
}
void from_json(const json& j, SoundJob& s) {
  s.model = j.value("model", s.model);
  if (j.contains("targets")) j.at("targets").get_to(s.targets);
  if (j.contains("params")) j.at("params").get_to(s.params);
  if (j.contains("style")) j.at("style").get_to(s.style);
}

namespace {
const char* audio_name(AudioMode m) { return m == AudioMode::Dream ? "dream" : m == AudioMode::None ? "none" : "keep"; }
AudioMode audio_mode(const std::string& s) {
  return s == "dream" ? AudioMode::Dream : s == "none" ? AudioMode::None : AudioMode::Keep;
}
}  // namespace

void to_json(json& j, const VideoJob& v) {
  j = {{"model", v.model},   {"targets", v.targets},           {"params", v.params}, {"encode", v.encode},
       {"audio", audio_name(v.audio)}, {"sound", v.sound},     {"start", v.start},   {"duration", v.duration},
       {"device", v.device.str()},    {"filter", v.filter}};
}
void from_json(const json& j, VideoJob& v) {
  v.model = j.value("model", v.model);
  v.filter = j.value("filter", v.filter);
  if (j.contains("targets")) j.at("targets").get_to(v.targets);
  if (j.contains("params")) j.at("params").get_to(v.params);
  if (j.contains("encode")) j.at("encode").get_to(v.encode);
  v.audio = audio_mode(j.value("audio", std::string("keep")));
  if (j.contains("sound")) j.at("sound").get_to(v.sound);
  v.start = j.value("start", v.start);
  v.duration = j.value("duration", v.duration);
  v.device = torch::Device(j.value("device", std::string("cpu")));
  v.sound.device = v.device;
}

std::string manifest_text(const FarmManifest& m) {
  json chunks = json::array();
  for (const auto& c : m.chunks)
    chunks.push_back({{"index", c.index}, {"begin", c.begin}, {"end", c.end}, {"read_pts", c.read_pts}});
  const json j = {{"avdream_farm", 1},
                  {"input",
                   {{"path", m.input}, {"size", m.input_size}, {"checksum", m.input_checksum}, {"sample", m.input_sample}}},
                  {"output", m.output},
                  {"frames", m.frames},
                  {"origin_pts", m.origin_pts},
                  {"fps", m.fps},
                  {"duration", m.duration},
                  {"settings", m.settings},
                  {"job", m.job},
                  {"chunks", chunks}};
  return j.dump(2) + "\n";
}

FarmManifest parse_manifest(const std::string& text, const std::string& where) {
  try {
    const auto j = json::parse(text);
    if (j.value("avdream_farm", 0) != 1) throw Error(where + " is not an avdream farm manifest");
    FarmManifest m;
    m.input = j.at("input").at("path").get<std::string>();
    m.input_size = j.at("input").at("size").get<uint64_t>();
    m.input_checksum = j.at("input").at("checksum").get<std::string>();
    m.input_sample = j.at("input").value("sample", std::string());
    m.origin_pts = j.value("origin_pts", int64_t{0});
    m.output = j.at("output").get<std::string>();
    m.frames = j.at("frames").get<int64_t>();
    m.fps = j.value("fps", 0.0);
    m.duration = j.value("duration", 0.0);
    j.at("settings").get_to(m.settings);
    j.at("job").get_to(m.job);
    for (const auto& c : j.at("chunks"))
      m.chunks.push_back({c.at("index").get<int>(), c.at("begin").get<int64_t>(), c.at("end").get<int64_t>(),
                          c.value("read_pts", int64_t{-1})});
    // The chunks must tile the section's frames in order: a hand-edited manifest that leaves
    // frames out (or repeats them) would join into a clip shorter than its sound.
    if (m.frames < 1) throw Error(where + " is damaged: it holds no frames");
    int64_t next = 0;
    for (std::size_t i = 0; i < m.chunks.size(); ++i) {
      const auto& c = m.chunks[i];
      if (c.index != int(i) || c.begin != next || c.end <= c.begin)
        throw Error(where + " is damaged: chunk " + std::to_string(i) + " does not follow on from the one before");
      next = c.end;
    }
    if (next != m.frames)
      throw Error(where + " is damaged: its chunks cover " + std::to_string(next) + " of its " + std::to_string(m.frames) +
                  " frames");
    return m;
  } catch (const json::exception& e) {
    throw Error(where + " is damaged: " + e.what());
  }
}

void write_text_file(const std::string& path, const std::string& text) {
  write_whole(path, [&text](const std::string& partial) {
    std::ofstream out(partial, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw Error("the write failed");
  });
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace avdream
