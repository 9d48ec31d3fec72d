#!/usr/bin/python3
"""Converts avdream's default models from their public TFLite originals to TorchScript.

    /usr/bin/python3 models/convert_tflite.py --from DIR [-o models/] [NAME ...]

DIR holds the upstream files (the .tflite and its labels), as scripts/get-models.sh downloads
them or as ../shared/models/tflite has them. Each model is rebuilt in PyTorch from the weights in
its .tflite (dequantized to float32: f = scale * (q - zero_point)), checked against the
upstream file's sha256, scripted, and written as NAME.pt with NAME.json beside it (provenance,
license and what was dequantized). The file follows avdream's model contract (models/README.md).
Nothing is written unless the whole conversion succeeds: the .pt goes to a temporary name and is
renamed at the end.

Needs Debian's python3-torch and python3-flatbuffers; no TensorFlow.
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import MODELS, UPSTREAM, sha256_of  # noqa: E402
from tflite_reader import Model as TFLite, TFLiteError  # noqa: E402

ACT = {"none": 0, "relu": 1, "relu6": 3}


class ConversionError(RuntimeError):
    pass


# --- the TorchScript modules (what the .pt files contain) ---------------------------------------

class TFConv(nn.Module):
    """A TFLite convolution: TensorFlow's "same" padding (more at the end when odd) and a fused
    activation (0 none, 1 relu, 3 relu6)."""

    def __init__(self, weight, bias, stride, act, padding, groups=1):
        super().__init__()
        out_ch, in_ch, k, _ = weight.shape
        self.conv = nn.Conv2d(in_ch * groups, out_ch, k, stride=stride, groups=groups, bias=True)
        with torch.no_grad():
            self.conv.weight.copy_(torch.from_numpy(weight))
            self.conv.bias.copy_(torch.from_numpy(bias))
        self.same: bool = padding == "same"
        self.stride: int = stride
        self.k: int = k
        self.dil: int = 1
        self.act: int = ACT[act]

    def _pad_amount(self, n: int) -> list[int]:
        out = (n + self.stride - 1) // self.stride
        total = (out - 1) * self.stride + (self.k - 1) * self.dil + 1 - n
        total = 0 if total < 0 else total
        return [total // 2, total - total // 2]

    def forward(self, x):
        if self.same:
            ph = self._pad_amount(x.size(2))
            pw = self._pad_amount(x.size(3))
            x = F.pad(x, [pw[0], pw[1], ph[0], ph[1]])
        x = self.conv(x)
        if self.act == 1:
            x = F.relu(x)
        elif self.act == 3:
            x = F.hardtanh(x, 0.0, 6.0)
        return x


class InvertedResidual(nn.Module):
    def __init__(self, expand, dw, project, residual):
        super().__init__()
        self.expand = expand if expand is not None else nn.Identity()
        self.dw = dw
        self.project = project
        self.residual: bool = residual

    def forward(self, x):
        y = self.project(self.dw(self.expand(x)))
        return y + x if self.residual else y


class MobileNetV2Dream(nn.Module):
    def __init__(self, stem, blocks, head, classifier, in_mul, in_add, meta):
        super().__init__()
        self.stem, self.blocks, self.head, self.classifier = stem, nn.ModuleList(blocks), head, classifier
        self.in_mul: float = in_mul
        self.in_add: float = in_add
        _set_meta(self, meta)

    def forward(self, x):
        out: dict[str, torch.Tensor] = {}
        x = self.stem(x * self.in_mul + self.in_add)
        i = 0
        for block in self.blocks:
            x = block(x)
            out[self.layer_names[i]] = x
            i += 1
        x = self.head(x)
        out["conv_1"] = x
        out["logits"] = self.classifier(torch.mean(x, [2, 3]))
        return out


class YamnetDream(nn.Module):
    def __init__(self, stem, dws, pws, classifier, meta, front_end):
        super().__init__()
        self.stem, self.dws, self.pws, self.classifier = stem, nn.ModuleList(dws), nn.ModuleList(pws), classifier
        _set_meta(self, meta)
        self.sample_rate: int = front_end["sample_rate"]
        self.n_fft: int = front_end["n_fft"]
        self.win_length: int = front_end["win_length"]
        self.hop_length: int = front_end["hop_length"]
        self.n_mels: int = front_end["n_mels"]
        self.fmin: float = front_end["fmin"]
        self.fmax: float = front_end["fmax"]
        self.log_offset: float = front_end["log_offset"]
        self.patch_frames: int = front_end["patch_frames"]
        self.patch_hop_frames: int = front_end["patch_hop_frames"]

    def forward(self, x):
        out: dict[str, torch.Tensor] = {}
        x = self.stem(x)
        out["stem"] = x
        i = 1
        for dw, pw in zip(self.dws, self.pws):
            x = pw(dw(x))
            out[self.layer_names[i]] = x
            i += 1
        out["logits"] = self.classifier(torch.mean(x, [2, 3]))
        return out


def _set_meta(module, meta):
    module.kind: str = meta["kind"]
    module.layer_names: list[str] = meta["layer_names"]
    module.default_layers: list[str] = meta["default_layers"]
    module.labels: list[str] = meta["labels"]
    module.provenance: str = json.dumps(meta["provenance"], sort_keys=True)


# --- reading the TFLite graph into those modules -------------------------------------------------

def _count(quant_log, op, weight):
    """Tallies how each operator's weights were stored, for the provenance record."""
    key = f"{op.name} {weight.describe_quantization()}"
    quant_log[key] = quant_log.get(key, 0) + 1


def conv_from(tfl, op, quant_log):
    """A TFConv from a CONV_2D or DEPTHWISE_CONV_2D operator (NHWC weights to NCHW)."""
    w, b = (tfl.tensors[i] for i in op.inputs[1:3])
    wq = w.dequantized()
    _count(quant_log, op, w)
    o = op.options
    if o["dilation"] != (1, 1) or o["stride"][0] != o["stride"][1]:
        raise ConversionError(f"unsupported {op.name} options {o}")
    if op.name == "DEPTHWISE_CONV_2D":
        if o["depth_multiplier"] != 1:
            raise ConversionError("depthwise convolution with a depth multiplier is not supported")
        weight = np.ascontiguousarray(wq.transpose(3, 0, 1, 2))  # [1,kh,kw,C] -> [C,1,kh,kw]
        groups = weight.shape[0]
    else:
        weight = np.ascontiguousarray(wq.transpose(0, 3, 1, 2))  # [O,kh,kw,I] -> [O,I,kh,kw]
        groups = 1
    return TFConv(weight, b.dequantized(), o["stride"][0], o["activation"], o["padding"], groups)


def linear_from(tfl, op, quant_log):
    """The classifier: a FULLY_CONNECTED operator, or a 1x1 CONV_2D on the pooled features."""
    w, b = tfl.tensors[op.inputs[1]], tfl.tensors[op.inputs[2]]
    _count(quant_log, op, w)
    weight = w.dequantized().reshape(w.shape[0], -1)
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        layer.bias.copy_(torch.from_numpy(b.dequantized()))
    return layer


def build_mobilenet_v2(tfl, meta):
    quant_log = {}
    convs = [op for op in tfl.operators if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    if len(convs) < 53 or convs[0].name != "CONV_2D" or convs[1].name != "DEPTHWISE_CONV_2D":
        raise ConversionError(f"not a MobileNetV2 graph ({len(convs)} convolutions)")
    stem = conv_from(tfl, convs[0], quant_log)
    adds = [op for op in tfl.operators if op.name == "ADD"]
    blocks, i = [], 1
    while i + 1 < len(convs):
        # A block is [expand 1x1] + depthwise + project 1x1; block 0 has no expansion.
        has_expand = convs[i].name == "CONV_2D" and convs[i + 1].name == "DEPTHWISE_CONV_2D"
        if convs[i].name != "DEPTHWISE_CONV_2D" and not has_expand:
            break
        block_in = convs[i].inputs[0]
        expand = conv_from(tfl, convs[i], quant_log) if has_expand else None
        i += 1 if has_expand else 0
        dw, project = conv_from(tfl, convs[i], quant_log), conv_from(tfl, convs[i + 1], quant_log)
        # A residual block's projection feeds an ADD together with the block's input.
        project_out = convs[i + 1].outputs[0]
        residual = any(project_out in op.inputs and block_in in op.inputs for op in adds)
        blocks.append(InvertedResidual(expand, dw, project, residual))
        i += 2
    if len(blocks) != 17 or len(convs) - i != 2:
        raise ConversionError(f"not a MobileNetV2 graph ({len(blocks)} inverted-residual blocks)")
    head = conv_from(tfl, convs[i], quant_log)
    classifier = linear_from(tfl, convs[i + 1], quant_log)
    if classifier.out_features != len(meta["labels"]):
        raise ConversionError(f"{classifier.out_features} classes but {len(meta['labels'])} labels")
    q = tfl.tensors[tfl.inputs[0]]
    scale, zero = float(q.scale[0]), float(q.zero_point[0]) if q.zero_point.size else 0.0
    meta["provenance"]["conversion"] = {
        "dequantized": "weights f = scale*(q - zero_point); int32 biases with their own scale; activations float32",
        "weight_quantization": quant_log,
        "input_quantization": {"scale": scale, "zero_point": zero}}
    # The network takes [0,1] RGB; the TFLite input is q = 255 x, dequantized as scale*(q - zero).
    return MobileNetV2Dream(stem, blocks, head, classifier, 255.0 * scale, -zero * scale, meta)


def build_yamnet(tfl, meta):
    quant_log = {}
    convs = [op for op in tfl.operators if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D")]
    fcs = tfl.ops("FULLY_CONNECTED")
    if len(convs) != 27 or not fcs:
        raise ConversionError(f"not a YAMNet graph ({len(convs)} convolutions)")
    stem = conv_from(tfl, convs[0], quant_log)
    dws = [conv_from(tfl, op, quant_log) for op in convs[1::2]]
    pws = [conv_from(tfl, op, quant_log) for op in convs[2::2]]
    if len(dws) != 13 or len(pws) != 13:
        raise ConversionError("not a YAMNet graph")
    classifier = linear_from(tfl, fcs[-1], quant_log)  # the first FULLY_CONNECTED is the mel matrix
    if classifier.out_features != len(meta["labels"]):
        raise ConversionError(f"{classifier.out_features} classes but {len(meta['labels'])} labels")
    meta["provenance"]["conversion"] = {
        "dequantized": "weights f = scale*q (per channel or per tensor); float32 tensors kept",
        "weight_quantization": quant_log}
    return YamnetDream(stem, dws, pws, classifier, meta, meta.pop("front_end"))


BUILDERS = {"mobilenet_v2": build_mobilenet_v2, "yamnet": build_yamnet}


# --- files -----------------------------------------------------------------------------------

def read_labels(path, fmt):
    text = Path(path).read_text(encoding="utf-8")
    if fmt == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    import csv
    rows = list(csv.DictReader(text.splitlines()))
    return [row["display_name"] for row in rows]


def checked_file(src_dir, entry):
    """The upstream file in src_dir, refused by name when missing or not the pinned bytes."""
    path = Path(src_dir) / entry["file"]
    if not path.is_file():
        raise ConversionError(f"{path}: missing (get it with scripts/get-models.sh)")
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        raise ConversionError(f"{path}: sha256 {digest} is not the pinned {entry['sha256']} "
                              "(damaged, truncated or another file)")
    return path


def convert(name, src_dir, out_dir):
    spec = MODELS[name]
    model_file = checked_file(src_dir, UPSTREAM[spec["tflite"]])
    labels_file = checked_file(src_dir, UPSTREAM[spec["labels"]])
    try:
        tfl = TFLite.load(model_file)
    except TFLiteError as e:
        raise ConversionError(str(e)) from None
    provenance = {"model": UPSTREAM[spec["tflite"]], "labels": UPSTREAM[spec["labels"]],
                  "license": spec["license"], "converted_by": "avdream models/convert_tflite.py"}
    meta = {"kind": spec["kind"], "layer_names": spec["layer_names"], "default_layers": spec["default_layers"],
            "labels": read_labels(labels_file, spec["labels_format"]), "provenance": provenance}
    if "front_end" in spec:
        meta["front_end"] = dict(spec["front_end"])
    module = BUILDERS[spec["architecture"]](tfl, meta).eval()
    scripted = torch.jit.script(module)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{name}.pt"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".pt.partial", dir=out_dir)
    os.close(fd)
    try:
        scripted.save(tmp)
        os.chmod(tmp, 0o644)
        torch.jit.load(tmp)  # what avdream will do: it must load back
        card = {"name": name, "kind": spec["kind"], "architecture": spec["description"],
                "layer_names": spec["layer_names"], "default_layers": spec["default_layers"],
                "n_classes": len(meta["labels"]), **provenance, "file": final.name,
                "file_bytes": os.path.getsize(tmp)}
        (out_dir / f"{name}.json.partial").write_text(json.dumps(card, indent=1) + "\n")
        os.replace(out_dir / f"{name}.json.partial", out_dir / f"{name}.json")
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return final


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help=f"models to convert (default: all of {', '.join(MODELS)})")
    ap.add_argument("--from", dest="src", required=True, help="folder with the upstream .tflite and label files")
    ap.add_argument("-o", "--out", default=str(Path(__file__).resolve().parent), help="output folder")
    args = ap.parse_args(argv)
    names = args.names or list(MODELS)
    for n in names:
        if n not in MODELS:
            ap.error(f"unknown model '{n}'; known: {', '.join(MODELS)}")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    failed = 0
    for n in names:
        try:
            path = convert(n, args.src, args.out)
            print(f"convert_tflite: {n}: wrote {path}")
        except (ConversionError, OSError) as e:
            print(f"convert_tflite: {n}: {e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
