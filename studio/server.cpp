// The studio's HTTP server: the page, the JSON API (API.md), and the rules every request
// passes: a loopback Host (no DNS rebinding), a custom header on every change (a web page
// elsewhere cannot post here without CORS, which the studio never grants), ids checked before
// any path is made, uploads streamed to disk under a size limit.
#include <avdream/error.hpp>
#include <avdream/model.hpp>
#include <avdream/studio.hpp>
#include <avdream/version.hpp>

#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "assets.hpp"
#include "gallery.hpp"
#include "jobs.hpp"
#include "uploads.hpp"

namespace avdream {

using studio::fs::path;
using nlohmann::json;

std::string default_studio_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/avdream/studio";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/avdream/studio";
}

namespace {

constexpr const char* kChangeHeader = "X-Avdream-Studio";
constexpr int kConnectionThreads = 64;  // open connections served at once

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void refuse(httplib::Response& res, int status, const std::string& error) { reply(res, status, {{"error", error}}); }

// For answers cpp-httplib makes itself, without a body.
const char* reason(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "the request is too large";
    case 414: return "the address is too long";
    default: return "the request failed";
  }
}

// A message about a stored file names the user's file, not the server's folders.
std::string without_paths(std::string message, const std::string& folder, const std::string& name) {
  for (size_t at; !folder.empty() && (at = message.find(folder)) != std::string::npos;) {
    const size_t end = message.find_first_of("'\" ", at);
    message.replace(at, end == std::string::npos ? std::string::npos : end - at, name);
  }
  return message;
}

// Streams a file without reading it whole (results and uploads can be large).
void send_file(httplib::Response& res, const path& file, const std::string& mime, const std::string& download = "") {
  std::error_code ec;
  const auto size = studio::fs::file_size(file, ec);
  if (ec) return refuse(res, 404, "not found");
  if (!download.empty()) res.set_header("Content-Disposition", "attachment; filename=\"" + download + "\"");
  auto stream = std::make_shared<std::ifstream>(file, std::ios::binary);
  res.set_content_provider(size, mime, [stream](size_t offset, size_t length, httplib::DataSink& sink) {
    std::vector<char> buffer(std::min<size_t>(length, 1 << 16));
    stream->clear();
    stream->seekg(static_cast<std::streamoff>(offset));
    stream->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    return stream->gcount() > 0 && sink.write(buffer.data(), static_cast<size_t>(stream->gcount()));
  });
}

std::string mime_of(const path& file) {
  const auto ext = file.extension().string();
  if (ext == ".png") return "image/png";
  if (ext == ".mp4" || ext == ".m4v") return "video/mp4";
  if (ext == ".webm") return "video/webm";
  if (ext == ".wav") return "audio/wav";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".mp3") return "audio/mpeg";
  if (ext == ".ogg" || ext == ".opus") return "audio/ogg";
  if (ext == ".flac") return "audio/flac";
  return "application/octet-stream";
}

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

}  // namespace

struct Studio::Impl {
  StudioSettings settings;
  path root, uploads;
  studio::JobQueue jobs;
  studio::Gallery gallery;
  httplib::Server server;
  int port = 0;
  std::mutex info_mutex;
  json info;  // models and filters, read once

  explicit Impl(StudioSettings s)
      : settings(std::move(s)), root(settings.dir), uploads(root / "uploads"), jobs(root, settings.jobs),
        gallery(root / "gallery") {
    // Each open connection holds a thread while it is served, and a job's event stream is open
    // as long as the job runs: cpp-httplib's default of 8 let a few watching tabs lock out the rest.
    server.new_task_queue = [] { return new httplib::ThreadPool(kConnectionThreads); };
  }

  const json& describe_models() {
    std::lock_guard lock(info_mutex);
    if (!info.is_null()) return info;
    json models = json::array();
    for (const auto& file : find_models()) {
      try {
        const auto m = Model::load(file.path);
        json layers = json::array();
        for (const auto& l : m.layers()) layers.push_back({{"name", l.name}, {"channels", l.channels}});
        models.push_back({{"name", m.name()}, {"kind", m.kind() == ModelKind::Image ? "image" : "logmel"},
                          {"classes", m.labels().size()}, {"layers", layers}, {"default_layers", m.default_layers()}});
      } catch (const std::exception&) {  // a broken file on the search path: not offered
      }
    }
    json filters = json::array();
    for (const auto& f : find_filters()) filters.push_back(f.name);
    info = {{"version", version()},
            {"models", models},
            {"filters", filters},
            {"styles", json::array()},
            {"limits", {{"upload_mb", settings.max_upload_mb}, {"jobs", settings.jobs}}},
            {"presets",
             {{"subtle", {{"octaves", 3}, {"steps", 6}}},
              {"normal", {{"octaves", 4}, {"steps", 12}}},
              {"strong", {{"octaves", 5}, {"steps", 20}}}}}};
    return info;
  }

  json labels(const std::string& model_name, std::string query) {
    for (auto& c : query) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const Model& model = gallery.model(model_name);  // loaded once, not per keystroke
    json out = json::array();
    const auto& names = model.labels();
    for (size_t i = 0; i < names.size() && out.size() < 50; ++i) {
      std::string lower = names[i];
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.find(query) != std::string::npos) out.push_back({{"index", i}, {"label", names[i]}});
    }
    return out;
  }

  // POST /api/uploads: the first part named "file", streamed to disk, then checked.
  void receive_upload(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    if (!req.is_multipart_form_data()) return refuse(res, 400, "send the file as multipart/form-data, field 'file'");
    const int64_t limit = settings.max_upload_mb * 1024 * 1024;
    const auto too_large = [&] {
      refuse(res, 413, "the file is larger than the studio's limit of " + std::to_string(settings.max_upload_mb) + " MB");
    };
    // A body far over the limit is refused from its announced length, unread (the client may not
    // see the answer: the connection closes as it sends). One a little over is read to its end,
    // the excess not written, so that the browser gets the 413 and its message.
    if (req.has_header("Content-Length") && std::stoll(req.get_header_value("Content-Length")) > 4 * limit + (1 << 20))
      return too_large();
    const path incoming = uploads / (".incoming-" + studio::make_id());
    std::ofstream out;
    std::string name;
    int64_t bytes = 0;
    bool too_big = false, wanted = false;
    reader(
        [&](const httplib::MultipartFormData& part) {
          wanted = part.name == "file" && name.empty();
          if (wanted) name = part.filename, out.open(incoming, std::ios::binary);
          return true;
        },
        [&](const char* data, size_t length) {
          if (!wanted) return true;
          bytes += static_cast<int64_t>(length);
          if (bytes > limit) return too_big = true;  // read on, write no more
          out.write(data, static_cast<std::streamsize>(length));
          return static_cast<bool>(out);
        });
    out.close();
    std::error_code ec;
    if (too_big) {
      studio::fs::remove(incoming, ec);
      return too_large();
    }
    if (name.empty() || bytes == 0) {
      studio::fs::remove(incoming, ec);
      return refuse(res, 400, "no file (or an empty one) in the field 'file'");
    }
    try {
      reply(res, 201, studio::accept_upload(uploads, incoming, path(name).filename().string()).to_json());
    } catch (const std::exception& e) {
      studio::fs::remove(incoming, ec);
      refuse(res, 415, without_paths(e.what(), root.string(), path(name).filename().string()));
    }
  }

  // GET /api/jobs/ID/events: the job as server-sent events until it is finished.
  void stream_events(const std::string& id, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, id, last = std::string(), quiet = 0](
                                                              size_t, httplib::DataSink& sink) mutable {
      const auto seen = jobs.version();
      const auto job = jobs.describe(id);
      if (job.is_null()) return sink.done(), true;
      const std::string text = job.dump();
      if (text != last || ++quiet > 15) {
        const std::string message = text != last ? "data: " + text + "\n\n" : ": still here\n\n";
        if (!sink.write(message.data(), message.size())) return false;
        last = text, quiet = 0;
      }
      const std::string state = job["state"];
      if (state == "done" || state == "failed" || state == "cancelled") return sink.done(), true;
      jobs.wait_change(seen, 1000);
      return true;
    });
  }

  void routes();
};

void Studio::Impl::routes() {
  // Answers cpp-httplib makes itself (no route, a bad request line or length) say why, as ours do.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) refuse(res, res.status, reason(res.status));
  });
  // Every request: a Host this server answers to (a rebinding DNS name is refused), and for
  // changes the studio's own header.
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (is_loopback(settings.host)) {
      std::string host = req.get_header_value("Host");
      const auto colon = host.rfind(':');
      if (colon != std::string::npos && host.find(']') == std::string::npos) host = host.substr(0, colon);
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.find(']') - 1);
      if (!is_loopback(host)) return refuse(res, 403, "the studio answers to 127.0.0.1 and localhost only"),
                                     httplib::Server::HandlerResponse::Handled;
    }
    if ((req.method == "POST" || req.method == "DELETE") && req.get_header_value(kChangeHeader) != "1")
      return refuse(res, 403, std::string("changes need the header ") + kChangeHeader + ": 1 (the studio's page sends it)"),
             httplib::Server::HandlerResponse::Handled;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const studio::NotFound& error) {
      refuse(res, 404, error.what());
    } catch (const UsageError& error) {
      refuse(res, 400, error.what());
    } catch (const Error& error) {
      refuse(res, 400, error.what());
    } catch (const std::exception& error) {
      refuse(res, 500, error.what());
    }
  });

  server.Get(R"(/|/index\.html|/app\.js|/app\.css)", [](const httplib::Request& req, httplib::Response& res) {
    const auto* asset = studio::find_asset(req.path);
    res.set_content(asset->content.data(), asset->content.size(), asset->mime);
  });
  server.Get("/api/info", [this](const httplib::Request&, httplib::Response& res) { reply(res, 200, describe_models()); });
  server.Get("/api/labels", [this](const httplib::Request& req, httplib::Response& res) {
    reply(res, 200, labels(req.get_param_value("model"), req.get_param_value("q")));
  });
  server.Get(R"(/api/gallery/([A-Za-z0-9_.-]+)/([A-Za-z0-9_-]+)\.png)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string model = req.matches[1], layer = req.matches[2];
    if (model.find("..") != std::string::npos) return refuse(res, 404, "not found");
    res.set_header("Cache-Control", "max-age=86400");
    send_file(res, gallery.thumbnail(model, layer), "image/png");
  });

  server.Post("/api/uploads", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    receive_upload(req, res, reader);
  });
  server.Get(R"(/api/uploads/([0-9a-f]{16})/(file|poster\.png))", [this](const httplib::Request& req, httplib::Response& res) {
    const auto upload = studio::find_upload(uploads, req.matches[1]);
    if (!upload) return refuse(res, 404, "no such upload");
    const auto file = req.matches[2] == "file" ? upload->file() : upload->poster();
    send_file(res, file, mime_of(file));
  });

  server.Post("/api/jobs", [this](const httplib::Request& req, httplib::Response& res) {
    const auto body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return refuse(res, 400, "the job is not JSON");
    reply(res, 201, {{"id", jobs.submit(studio::JobRequest::from_json(body))}});
  });
  server.Get("/api/jobs", [this](const httplib::Request&, httplib::Response& res) { reply(res, 200, jobs.list()); });
  server.Get(R"(/api/jobs/([0-9a-f]{16}))", [this](const httplib::Request& req, httplib::Response& res) {
    const auto job = jobs.describe(req.matches[1]);
    job.is_null() ? refuse(res, 404, "no such job") : reply(res, 200, job);
  });
  server.Get(R"(/api/jobs/([0-9a-f]{16})/events)", [this](const httplib::Request& req, httplib::Response& res) {
    if (jobs.describe(req.matches[1]).is_null()) return refuse(res, 404, "no such job");
    stream_events(req.matches[1], res);
  });
  server.Post(R"(/api/jobs/([0-9a-f]{16})/cancel)", [this](const httplib::Request& req, httplib::Response& res) {
    if (!jobs.cancel(req.matches[1])) return refuse(res, 404, "no such job");
    reply(res, 200, jobs.describe(req.matches[1]));
  });
  server.Delete(R"(/api/jobs/([0-9a-f]{16}))", [this](const httplib::Request& req, httplib::Response& res) {
    if (!jobs.remove(req.matches[1])) return refuse(res, 409, "no such finished job");
    reply(res, 200, {{"deleted", std::string(req.matches[1])}});
  });
  server.Get(R"(/api/jobs/([0-9a-f]{16})/(result\.(png|mp4|wav)|spectrograms\.png))",
             [this](const httplib::Request& req, httplib::Response& res) {
               const std::string id = req.matches[1], name = req.matches[2];
               const auto file = jobs.result_file(id, name);
               if (file.empty()) return refuse(res, 404, "no such result");
               const auto ext = path(name).extension().string();
               send_file(res, file, mime_of(file), req.has_param("download") ? "avdream-" + id + ext : "");
             });
}

Studio::Studio(StudioSettings settings) {
  if (settings.jobs < 1 || settings.jobs > 2) throw UsageError("--jobs must be 1 or 2 (2 cores)");
  if (settings.max_upload_mb < 1 || settings.max_upload_mb > 16384) throw UsageError("--max-upload must be 1 to 16384 MB");
  if (settings.port < 0 || settings.port > 65535) throw UsageError("--port must be 0 to 65535");
  if (settings.dir.empty()) settings.dir = default_studio_dir();
  std::error_code ec;
  studio::fs::create_directories(settings.dir, ec);
  if (ec) throw UsageError("cannot create the studio folder " + settings.dir + ": " + ec.message());
  impl_ = std::make_unique<Impl>(std::move(settings));
  impl_->server.set_payload_max_length(static_cast<size_t>(4 * impl_->settings.max_upload_mb + 2) * 1024 * 1024);
  impl_->routes();
}

Studio::~Studio() { stop(); }

int Studio::bind() {
  auto& s = *impl_;
  s.port = s.settings.port == 0 ? s.server.bind_to_any_port(s.settings.host)
                                : (s.server.bind_to_port(s.settings.host, s.settings.port) ? s.settings.port : -1);
  if (s.port <= 0)
    throw Error("cannot listen on " + s.settings.host + ":" + std::to_string(s.settings.port) +
                " (in use? choose another with --port)");
  return s.port;
}

void Studio::serve() {
  impl_->jobs.start();
  impl_->server.listen_after_bind();
}

void Studio::stop() {
  if (!impl_) return;
  impl_->server.stop();
  impl_->jobs.stop();
}

}  // namespace avdream
