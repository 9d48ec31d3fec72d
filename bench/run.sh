#!/usr/bin/env bash
# Builds and runs every benchmark; each prints ratios measured side by side in the same run.
#   bench/run.sh          all: dream step (avdream vs PyTorch), video (flicker, speed, memory), audio
#   bench/run.sh dream    only the dream step benchmark
#   bench/run.sh video    only the video benchmark
#   bench/run.sh audio    only the audio benchmark (class scores, Griffin-Lim, real-time factors)
#   bench/run.sh audio_style  only the audio style benchmark (dogs in the style of bird song: Gram
#                         distances on both networks, class scores, timing kept)
#   bench/run.sh retrain  only the retrain benchmark (dog/bird categories: held-out accuracy, classifier
#                         only vs top layers unfrozen, dreams toward the new categories)
#   bench/run.sh farm     only the render-farm benchmark (seams at the joins, farm vs single render)
#   bench/run.sh style    only the style transfer benchmark (losses, seconds per still, E_warp)
#   bench/run.sh frei0r   only the frei0r plugin benchmark (ffmpeg -vf frei0r against the CLI,
#                         melt's start with and without the plugin)
#   bench/run.sh studio   only the studio benchmark (upload to preview, the layer gallery, memory)
#   bench/run.sh filter [FILTER]  only the dream filter benchmark (speed; with a filter file also
#                         strength, likeness to the optimizer's dream, stability)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export AVDREAM_MODEL_PATH=${AVDREAM_MODEL_PATH:-$root/../shared/models}
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target dream_bench video_bench audio_bench audio_style_bench retrain_bench farm_bench style_bench filter_bench frei0r_bench studio_bench avdream avdream_frei0r >/dev/null
which=${1:-all}
if [ "$which" = all ] || [ "$which" = dream ]; then "$root/build/bench/dream_bench"; echo; fi
if [ "$which" = all ] || [ "$which" = video ]; then "$root/build/bench/video_bench" --seconds 2; echo; fi
if [ "$which" = all ] || [ "$which" = audio ]; then "$root/build/bench/audio_bench"; fi
if [ "$which" = all ] || [ "$which" = audio_style ]; then echo; "$root/build/bench/audio_style_bench" --out /tmp/audio_style_bench; fi
if [ "$which" = all ] || [ "$which" = retrain ]; then echo; "$root/build/bench/retrain_bench" --out /tmp/retrain_bench; fi
if [ "$which" = all ] || [ "$which" = farm ]; then echo; "$root/build/bench/farm_bench"; fi
if [ "$which" = all ] || [ "$which" = style ]; then echo; "$root/build/bench/style_bench"; fi
if [ "$which" = all ] || [ "$which" = filter ]; then echo; "$root/build/bench/filter_bench" ${2:+"$2"}; fi
if [ "$which" = all ] || [ "$which" = frei0r ]; then echo; "$root/build/bench/frei0r_bench"; fi
if [ "$which" = all ] || [ "$which" = studio ]; then echo; "$root/build/bench/studio_bench"; fi
