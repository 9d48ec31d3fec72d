#!/usr/bin/python3
"""Export torchvision's GoogLeNet, Inception-v3 or VGG16 to avdream's model contract.

    /usr/bin/python3 models/export_torchvision.py googlenet [inception_v3 vgg16] [-o models/]
    /usr/bin/python3 models/export_torchvision.py googlenet --weights-file googlenet.pth -o models/
    /usr/bin/python3 models/export_torchvision.py googlenet --random-weights -o /tmp/m   # offline test

The ImageNet weights are downloaded by torchvision on first use (needs the internet once; they
are cached in ~/.cache/torch), or read from a state dict saved with torch.save (--weights-file:
torchvision's .pth file downloaded by hand). Both go through the same loading code.
--random-weights skips the weights: the file then follows the contract but dreams nothing
meaningful.

The contract (see models/README.md): forward(x) takes RGB in [0,1] as [N,3,H,W] and returns a
Dict[str, Tensor] with one entry per tap layer (shallow to deep) plus "logits"; attributes kind,
layer_names, default_layers, labels. Each network is cut into consecutive stages (`blocks.N`, one
per tap) behind an identity `stem`, so avdream can stop the forward pass after the deepest layer
it dreams.
"""
import argparse
import json
import os
from typing import Dict, List

import torch
import torchvision
from torch import nn

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


class Dreamable(nn.Module):
    def __init__(self, stages: Dict[str, nn.Module], head: nn.Module, default_layers: List[str],
                 labels: List[str], in_mul: List[float], in_add: List[float]):
        super().__init__()
        self.kind = "image"
        self.layer_names = list(stages.keys())
        self.default_layers = default_layers
        self.labels = labels
        self.stem = nn.Identity()
        self.blocks = nn.ModuleList(stages.values())
        self.head = head
        self.register_buffer("in_mul", torch.tensor(in_mul).view(1, 3, 1, 1))
        self.register_buffer("in_add", torch.tensor(in_add).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        out: Dict[str, torch.Tensor] = {}
        x = self.stem(x * self.in_mul + self.in_add)
        for i, block in enumerate(self.blocks):
            x = block(x)
            out[self.layer_names[i]] = x
        out["logits"] = self.head(x)
        return out


def imagenet_norm():
    """x*mul + add == (x - mean) / std."""
    return [1 / s for s in IMAGENET_STD], [-m / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)]


def pooled_head(*layers):
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), *layers)


def googlenet(m):
    S = nn.Sequential
    stages = {
        "conv1": S(m.conv1), "conv2": S(m.maxpool1, m.conv2), "conv3": S(m.conv3),
        "inception3a": S(m.maxpool2, m.inception3a), "inception3b": S(m.inception3b),
        "inception4a": S(m.maxpool3, m.inception4a), "inception4b": S(m.inception4b),
        "inception4c": S(m.inception4c), "inception4d": S(m.inception4d), "inception4e": S(m.inception4e),
        "inception5a": S(m.maxpool4, m.inception5a), "inception5b": S(m.inception5b),
    }
    # inception4c is the classic "mixed4c" of the original DeepDream.
    return stages, pooled_head(m.fc), ["inception4c"], imagenet_norm()


def inception_v3(m):
    S = nn.Sequential
    stages = {
        "conv2b": S(m.Conv2d_1a_3x3, m.Conv2d_2a_3x3, m.Conv2d_2b_3x3),
        "conv4a": S(m.maxpool1, m.Conv2d_3b_1x1, m.Conv2d_4a_3x3),
        "mixed_5b": S(m.maxpool2, m.Mixed_5b), "mixed_5c": S(m.Mixed_5c), "mixed_5d": S(m.Mixed_5d),
        "mixed_6a": S(m.Mixed_6a), "mixed_6b": S(m.Mixed_6b), "mixed_6c": S(m.Mixed_6c),
        "mixed_6d": S(m.Mixed_6d), "mixed_6e": S(m.Mixed_6e),
        "mixed_7a": S(m.Mixed_7a), "mixed_7b": S(m.Mixed_7b), "mixed_7c": S(m.Mixed_7c),
    }
    # Google's Inception-v3 weights expect [-1, 1] (torchvision's transform_input maps to that).
    return stages, pooled_head(m.fc), ["mixed_5d", "mixed_6b"], ([2.0] * 3, [-1.0] * 3)


def vgg16(m):
    f = m.features
    # Taps after the ReLU that closes each block; the pooling joins the next stage.
    cuts = {"conv1_2": 4, "conv2_2": 9, "conv3_3": 16, "conv4_3": 23, "conv5_3": 30}
    stages, start = {}, 0
    for name, end in cuts.items():
        stages[name] = nn.Sequential(*[f[i] for i in range(start, end)])
        start = end
    head = nn.Sequential(f[30], m.avgpool, nn.Flatten(1), m.classifier)
    return stages, head, ["conv4_3"], imagenet_norm()


# name: (the bare network, cut into stages, its ImageNet weights). The networks are built without
# weights and without auxiliary classifiers; the weights are loaded afterwards (load_weights).
NETWORKS = {
    "googlenet": (lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False),
                  googlenet, torchvision.models.GoogLeNet_Weights.IMAGENET1K_V1),
    "inception_v3": (lambda: torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False,
                                                             transform_input=False),
                     inception_v3, torchvision.models.Inception_V3_Weights.IMAGENET1K_V1),
    "vgg16": (lambda: torchvision.models.vgg16(weights=None), vgg16, torchvision.models.VGG16_Weights.IMAGENET1K_V1),
}
# Trained with auxiliary classifiers, which a dream never uses: their weights are dropped.
AUX_PREFIXES = ("aux1.", "aux2.", "AuxLogits.")


def load_weights(net: nn.Module, state_dict: Dict[str, torch.Tensor], what: str) -> None:
    """Loads ImageNet weights (downloaded, or a file) into a bare network; every weight the
    network has must be there with its shape."""
    kept = {k: v for k, v in state_dict.items() if not k.startswith(AUX_PREFIXES)}
    try:
        net.load_state_dict(kept, strict=True)
    except RuntimeError as e:
        raise SystemExit(f"export_torchvision: {what} does not fit this network: {str(e).splitlines()[0]}")


def export(name: str, out_dir: str, random_weights: bool, weights_file: str = "") -> str:
    make, build, weights_enum = NETWORKS[name]
    net = make().eval()
    if weights_file:
        load_weights(net, torch.load(weights_file, map_location="cpu"), weights_file)
    elif not random_weights:
        load_weights(net, weights_enum.get_state_dict(progress=True), str(weights_enum))
    stages, head, default_layers, (mul, add) = build(net)
    if random_weights and not weights_file:
        # torchvision's own init (std 0.01) makes deep activations vanish; He init keeps them
        # alive so a test dream still has a gradient to follow.
        for m in nn.ModuleList(list(stages.values()) + [head]).modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    labels = list(weights_enum.meta["categories"])
    model = Dreamable(stages, head, default_layers, labels, mul, add).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    scripted = torch.jit.script(model)
    with torch.no_grad():  # check the contract before saving
        out = scripted(torch.rand(1, 3, 224, 224))
    assert list(out.keys()) == model.layer_names + ["logits"], out.keys()
    assert out["logits"].shape == (1, len(labels))
    suffix = "_random" if random_weights and not weights_file else ""
    path = os.path.join(out_dir, f"torchvision_{name}{suffix}.pt")
    scripted.save(path)
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump({"source": f"torchvision {torchvision.__version__} models.{name}",
                   "weights": weights_file or ("random" if random_weights else str(weights_enum)),
                   "layer_names": model.layer_names, "default_layers": default_layers}, f, indent=2)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("networks", nargs="+", choices=sorted(NETWORKS))
    ap.add_argument("-o", "--out", default=os.path.dirname(os.path.abspath(__file__)), help="output folder")
    ap.add_argument("--random-weights", action="store_true", help="no download; for tests")
    ap.add_argument("--weights-file", default="", help="a saved state dict instead of the download (one network)")
    args = ap.parse_args()
    if args.weights_file and len(args.networks) != 1:
        ap.error("--weights-file goes with exactly one network")
    os.makedirs(args.out, exist_ok=True)
    for name in args.networks:
        print(export(name, args.out, args.random_weights, args.weights_file))


if __name__ == "__main__":
    main()
