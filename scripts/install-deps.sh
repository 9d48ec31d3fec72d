#!/usr/bin/env bash
# Installs avdream's build and test dependencies from Debian 12's packages (apt-get).
# libopenblas0-pthread matters: without it Debian's LibTorch runs its matrix products on the
# reference BLAS (about 25x slower on 2 cores).
set -euo pipefail
packages=(
  build-essential cmake pkg-config ccache
  libtorch-dev libopenblas0-pthread
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libopencv-dev libsndfile1-dev libkissfft-dev libcli11-dev libgtest-dev
  python3-torch python3-torchvision  # models/export_torchvision.py and bench/dream_step.py
  python3-flatbuffers  # models/convert_tflite.py reads the TFLite originals of the default models
  nlohmann-json3-dev  # the render farm's manifest.json
  slurm-wlm munge  # the render farm's end-to-end test runs a single-node Slurm (scripts/slurm-local.sh)
  ffmpeg  # the tests make their clips with it and check outputs with ffprobe (avdream itself links libav*)
  frei0r-plugins-dev melt  # the frei0r plugin (frei0r.h), and MLT's melt to test it in the editors' engine
  gstreamer1.0-tools gstreamer1.0-plugins-bad  # gst-launch-1.0 and GStreamer's frei0r elements, to test it there
  help2man dpkg-dev file  # the manual page; the Debian package (cpack: dpkg-shlibdeps, file)
  libcpp-httplib-dev  # avdream studio's HTTP server
  chromium chromium-driver  # the studio's page is tested in headless Chromium through chromedriver
)
if dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -qv "install ok installed" ||
   [ "$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | wc -l)" -ne "${#packages[@]}" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
else
  echo "dependencies: all installed"
fi
# Without this project's shared folder, real sample media come from Debian's packages.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "${AVDREAM_SHARED:-$root/../shared}/samples" ]; then
  "$root/samples/get-samples.sh"
fi
