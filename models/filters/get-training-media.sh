#!/usr/bin/env bash
# Fetches the media the shipped dream filters were trained on (models/filters/README.md) into
# DIR (default: models/filters/media/), from their public sources: three clips and a photo from
# GitHub at pinned commits (checked), and pictures and clips out of Debian 12's darknet and
# opencv-doc packages. DIR/SOURCES.md records each file's source and license.
# The style picture goes to DIR/style/ (a folder's subfolders are not training input), so
#   avdream train-filter -o default.filter.pt --images DIR --frames-per-video 16 --steps 4000 --seed 0 \
#       --temporal-weight 30 --content-weight 0.25 --objective-weight 0.5 --threads 1
# retrains `default` (README.md here names the others).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/models/filters/media}
. "$root/scripts/fetch-files.sh"
mdn=13024db581b08fae11a0ca229497198b9b0534e7
github_files "$dest" \
  "mdn/interactive-examples|$mdn|live-examples/media/cc0-videos/flower.mp4|flower.mp4|0cd83d944a6ca7822b4a8306cecc60a36e859b041f6702c6a1ad9ead78924451|CC0 1.0" \
  "mdn/interactive-examples|$mdn|live-examples/media/examples/stream-of-water.webm|stream-of-water.webm|01d2998c4aadbf5db322694b9e79367cfde88028af24ba2f1753dc39b65ec000|CC0 1.0" \
  "dangdangkhtn/JS-HTML5--Video--gh-pages|fad4ec10da1e3cd484f3732efab75c680600ebc5|mov_bbb.mp4|mov_bbb.mp4|f7cff16b0ac36437197d03433f3d2e48a2f9083bec2d3364325c357d0f71a42e|CC-BY 3.0, Big Buck Bunny (c) 2008 Blender Foundation" \
  "google-coral/test_data|104342d2d3480b3e66203073dac24f4e2dbb4c41|cat.bmp|cat.bmp|dd884c03a0fd|CC-BY 2.0, an Open Images V5 photo (google-coral/test_data COPYRIGHT)"
data=/usr/share/doc/opencv-doc/examples/data
opencv="Apache-2.0 AND BSD-3-Clause as shipped by Debian opencv-doc (Files: *)"
darknet="GPL-3.0+ or MIT or WTFPL as shipped by Debian darknet (Files: *)"
debian_files "$dest" \
  "opencv-doc|$data/tree.avi|tree.avi|$opencv" "opencv-doc|$data/vtest.avi|vtest.avi|$opencv" \
  "opencv-doc|$data/home.jpg|home.jpg|$opencv" "opencv-doc|$data/basketball1.png|basketball1.png|$opencv" \
  "opencv-doc|$data/fruits.jpg|fruits.jpg|$opencv" "opencv-doc|$data/building.jpg|building.jpg|$opencv" \
  "opencv-doc|$data/baboon.jpg|baboon.jpg|$opencv" "opencv-doc|$data/leuvenA.jpg|leuvenA.jpg|$opencv" \
  "opencv-doc|$data/squirrel_cls.jpg|squirrel_cls.jpg|$opencv" \
  "darknet|/usr/share/darknet/data/dog.jpg|dog.jpg|$darknet" \
  "darknet|/usr/share/darknet/data/scream.jpg|style/scream.jpg|public domain (Munch, 1893); $darknet"
echo "training media: in $dest (sources and licenses in $dest/SOURCES.md)"
