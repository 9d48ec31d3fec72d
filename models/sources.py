"""Where avdream's default models come from: public files at fixed commits, with their checksums.

UPSTREAM lists every file a conversion needs, each pinned by repository, commit, path, git blob
id and the sha256 of its bytes; MODELS says how each model is built from them. get_models.py
downloads (or finds) the files and convert_tflite.py converts them.
"""
import hashlib

CORAL = ("https://github.com/google-coral/test_data", "104342d2d3480b3e66203073dac24f4e2dbb4c41")
CORAL_LICENSE = "Apache-2.0 (google-coral/test_data LICENSE)"


def _raw_url(repo, commit, path):
    owner_name = repo.split("github.com/", 1)[1]
    return f"https://raw.githubusercontent.com/{owner_name}/{commit}/{path}"


def _file(name, repo_commit, path, blob, sha256, size, license):
    repo, commit = repo_commit
    return name, {"file": name, "repo": repo, "commit": commit, "path": path, "git_blob": blob,
                  "sha256": sha256, "bytes": size, "url": _raw_url(repo, commit, path), "license": license}


UPSTREAM = dict([
    _file("mobilenet_v2_1.0_224_quant.tflite", CORAL, "mobilenet_v2_1.0_224_quant.tflite",
          "03533c32dacc1456ff3fe951ebdd5b967ce9e6a0",
          "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776", 3610798, CORAL_LICENSE),
    _file("mobilenet_v2_1.0_224_inat_bird_quant.tflite", CORAL, "mobilenet_v2_1.0_224_inat_bird_quant.tflite",
          "225ffa93c74237a64e1a5782fce3dfbc61f9d380",
          "350fcd8cf1df1560060d464595dfed8b174b05792788052896004848d9ad04f9", 3579500, CORAL_LICENSE),
    _file("mobilenet_v2_1.0_224_inat_insect_quant.tflite", CORAL, "mobilenet_v2_1.0_224_inat_insect_quant.tflite",
          "48abc7c548282910bd6d9bc9aeb5663c7288070b",
          "0ebaeb474dccf56b8b818b014f0d6a8e22b35a45b491a659f0b5405c9c838282", 3655867, CORAL_LICENSE),
    _file("imagenet_labels.txt", CORAL, "imagenet_labels.txt", "0f975ffd415baaea2267b4363717daff56451ad0",
          "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1", 21686, CORAL_LICENSE),
    _file("inat_bird_labels.txt", CORAL, "inat_bird_labels.txt", "dfe4777e80d5086d4dfc047c2ee251924a58a401",
          "a16108dfe3f8daff015b87a97ab6a17e717b9b1bccd719f6d8f747746d7b9277", 37146, CORAL_LICENSE),
    _file("inat_insect_labels.txt", CORAL, "inat_insect_labels.txt", "0beeba113f678c564b87b3832a01aab94388e7a5",
          "e5e03664a8a70eafc3308268eb8cd6aa28652912735bfdd45e436ae9617155bc", 40317, CORAL_LICENSE),
    # YAMNet as a TFLite file with per-channel int8 weights, redistributed in a public project;
    # the model is Google's (tensorflow/models research/audioset/yamnet, Apache-2.0).
    _file("yamnet.tflite", ("https://github.com/Dhiveej/Aranyadhwani", "77db24fcbe31c06f30801c958fb812e6a3d827a7"),
          "yamnet.tflite", "460348d79c180b5e997a23bdb32f2b755400f822",
          "687f226c147a2caab4706fbbab5e9cecb14b9a368264bf61108078b1fddf68f5", 3959752,
          "Apache-2.0 (YAMNet, tensorflow/models); the redistributing repository has no LICENSE file"),
    _file("yamnet_class_map.csv", ("https://github.com/tensorflow/models", "dbeeb148f10adf723067040eedcccda00bdce1e8"),
          "research/audioset/yamnet/yamnet_class_map.csv", "9c07d818a6fba1a31c2950732c2fe49a16687c5a",
          "cdf24d193e196d9e95912a2667051ae203e92a2ba09449218ccb40ef787c6df2", 14096, "Apache-2.0 (tensorflow/models)"),
    _file("LICENSE.coral-test_data", CORAL, "LICENSE", "f4f87bd4ed6dca2480e257335a4063ef4127624c",
          "f9946796a8a5bd5981565142fa42e3b0cc36aef6f80e86beaf5905b3c0fef1b5", 11361, CORAL_LICENSE),
])

MOBILENET_V2_LAYERS = [f"block_{i}" for i in range(17)] + ["conv_1"]


def _mobilenet_v2(tflite, labels, what):
    return {"tflite": tflite, "labels": labels, "labels_format": "lines", "kind": "image",
            "architecture": "mobilenet_v2", "license": CORAL_LICENSE,
            "description": f"MobileNetV2 1.0 ({what}): 17 inverted-residual blocks, 1x1 conv to 1280, mean pool, linear",
            "layer_names": MOBILENET_V2_LAYERS, "default_layers": ["block_9", "block_12"]}


MODELS = {
    "imagenet_mobilenet_v2": _mobilenet_v2("mobilenet_v2_1.0_224_quant.tflite", "imagenet_labels.txt", "ImageNet"),
    "inat_birds_mobilenet_v2": _mobilenet_v2("mobilenet_v2_1.0_224_inat_bird_quant.tflite", "inat_bird_labels.txt",
                                             "iNaturalist birds"),
    "inat_insects_mobilenet_v2": _mobilenet_v2("mobilenet_v2_1.0_224_inat_insect_quant.tflite",
                                               "inat_insect_labels.txt", "iNaturalist insects"),
    "yamnet": {
        "tflite": "yamnet.tflite", "labels": "yamnet_class_map.csv", "labels_format": "csv", "kind": "logmel",
        "architecture": "yamnet", "license": "Apache-2.0 (YAMNet, tensorflow/models)",
        "description": "YAMNet (AudioSet, 521 classes): MobileNetV1 body, 3x3 stem + 13 depthwise-separable blocks",
        "layer_names": ["stem"] + [f"block_{i}" for i in range(1, 14)], "default_layers": ["block_9", "block_11"],
        # YAMNet's own front end (yamnet/params.py), which the network was trained with.
        "front_end": {"sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 64,
                      "fmin": 125.0, "fmax": 7500.0, "log_offset": 0.001, "patch_frames": 96,
                      "patch_hop_frames": 48},
    },
}


def files_for(names):
    """The upstream files the given models need (and the Coral license), in a stable order."""
    needed = []
    for n in names:
        for key in (MODELS[n]["tflite"], MODELS[n]["labels"]):
            if key not in needed:
                needed.append(key)
    if any(MODELS[n]["architecture"] == "mobilenet_v2" for n in names):
        needed.append("LICENSE.coral-test_data")
    return needed


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
