// avdream studio: starts the local web page's server and says where it is.
#include <avdream/studio.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "options.hpp"
#include "terminal.hpp"

namespace avdream::cli {

int studio_command(const Options& o) {
  std::signal(SIGPIPE, SIG_IGN);  // a browser that goes away mid-answer is an error on that socket, not the end
  Studio studio(o.studio);
  const int port = studio.bind();
  const auto& host = o.studio.host;
  if (host != "127.0.0.1" && host != "localhost" && host != "::1")
    std::cerr << "avdream studio: warning: listening on " << host
              << ": anyone who can reach this address can upload files and run jobs on this machine\n";
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "avdream studio: http://" << shown << ":" << port << "/ (folder "
            << (o.studio.dir.empty() ? default_studio_dir() : o.studio.dir) << "; Ctrl+C to stop)" << std::endl;
  // Ctrl+C or SIGTERM: stop serving; running jobs are cancelled and leave no half files.
  std::thread watcher([&] {
    while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    studio.stop();
  });
  studio.serve();
  watcher.join();
  std::cout << "avdream studio: stopped" << std::endl;
  return 0;
}

}  // namespace avdream::cli
