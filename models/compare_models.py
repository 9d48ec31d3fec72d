#!/usr/bin/python3
"""Compares two model files on the contract, on real pictures or sounds.

    /usr/bin/python3 models/compare_models.py A.pt B.pt [--size 224] FILE...

Prints, per input, the largest |logit difference|, the largest difference of any tap layer's
activations (relative to that layer's largest activation), and both files' top-1 label; exits 1
when any logit differs by more than --tolerance (default 1e-3). Pictures are decoded with ffmpeg
and resized to --size; sounds are decoded to the log-mel model's rate and turned into its
front end's log-mel patches (YAMNet's, read from the file's attributes).
"""
import argparse
import subprocess
import sys

import numpy as np
import torch

AUDIO_EXT = {".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a", ".aac"}


def decode_picture(path, size):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-vf", f"scale={size}:{size}",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    img = np.frombuffer(raw, np.uint8).reshape(size, size, 3).astype(np.float32) / 255.0
    return torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0).contiguous()


def mel_matrix(m):
    """HTK mel filterbank as tf.signal.linear_to_mel_weight_matrix builds it (DC bin zeroed)."""
    bins = m.n_fft // 2 + 1
    hz = np.linspace(0.0, m.sample_rate / 2.0, bins)
    mel = lambda f: 1127.0 * np.log1p(np.asarray(f) / 700.0)  # noqa: E731
    edges = np.linspace(mel(m.fmin), mel(m.fmax), m.n_mels + 2)
    spec = mel(hz)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(0.0, np.minimum((spec[:, None] - lower) / (center - lower), (upper - spec[:, None]) / (upper - center)))
    w[0, :] = 0.0
    return w.astype(np.float32)


def decode_logmel(path, m):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-ac", "1", "-ar", str(m.sample_rate), "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout
    x = np.frombuffer(raw, np.float32)
    n = 1 + max(0, (len(x) - m.win_length) // m.hop_length)
    x = np.pad(x, (0, max(0, m.win_length - len(x))))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(m.win_length) / m.win_length)  # periodic Hann
    frames = np.stack([x[i * m.hop_length:i * m.hop_length + m.win_length] * window for i in range(n)])
    spec = np.abs(np.fft.rfft(frames, n=m.n_fft, axis=1)).astype(np.float32)
    logmel = np.log(spec @ mel_matrix(m) + m.log_offset)
    t = max(m.patch_frames, logmel.shape[0])
    logmel = np.pad(logmel, ((0, t - logmel.shape[0]), (0, 0)), constant_values=np.log(m.log_offset))
    return torch.from_numpy(logmel[None, None].astype(np.float32))


def compare(a, b, files, size):
    worst = 0.0
    for path in files:
        is_sound = any(path.lower().endswith(e) for e in AUDIO_EXT)
        x = decode_logmel(path, a) if is_sound else decode_picture(path, size)
        with torch.no_grad():
            oa, ob = a(x), b(x)
        logit = (oa["logits"] - ob["logits"]).abs().max().item()
        act = max(((oa[k] - ob[k]).abs().max() / oa[k].abs().max().clamp_min(1e-12)).item() for k in a.layer_names)
        score = torch.sigmoid if is_sound else (lambda t: torch.softmax(t, 1))
        top = lambda m, o: (m.labels[int(o["logits"].argmax())], float(score(o["logits"]).max()))  # noqa: E731
        (la, pa), (lb, pb) = top(a, oa), top(b, ob)
        print(f"{path.split('/')[-1]:<60} max|dlogit| {logit:.2e}  max rel dact {act:.2e}  "
              f"top-1 {la[:28]} {pa:.3f} / {lb[:28]} {pb:.3f}")
        worst = max(worst, logit)
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--tolerance", type=float, default=1e-3)
    args = ap.parse_args()
    torch.set_num_threads(2)
    a, b = torch.jit.load(args.a).eval(), torch.jit.load(args.b).eval()
    if list(a.layer_names) != list(b.layer_names) or list(a.labels) != list(b.labels):
        print("the two files differ in layer names or labels")
        return 1
    worst = compare(a, b, args.files, args.size)
    print(f"largest |logit difference|: {worst:.2e} (tolerance {args.tolerance:g})")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
