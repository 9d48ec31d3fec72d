#!/usr/bin/python3
"""The plain PyTorch DeepDream loop, for comparison with avdream (bench/dream_bench.cpp).

One octave, N steps: roll jitter, forward through torch.jit.load's module, mean squared
activation of the layers, torch.autograd.grad, roll back, normalized step, clamp.
Prints seconds per step (the median of `--repeats` runs of `--steps` steps) as JSON.
"""
import argparse, json, random, time

import torch


def dream_steps(model, layers, x, steps, step_size, jitter, rng):
    for _ in range(steps):
        sx, sy = rng.randint(-jitter, jitter), rng.randint(-jitter, jitter)
        rolled = torch.roll(x, (sy, sx), (2, 3)).detach().requires_grad_(True)
        out = model(rolled)
        loss = sum(out[name].pow(2).mean() for name in layers)
        (grad,) = torch.autograd.grad(loss, rolled)
        grad = torch.roll(grad, (-sy, -sx), (2, 3))
        with torch.no_grad():
            x = (x + grad * (step_size / (grad.abs().mean() + 1e-8))).clamp(0, 1)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--width", type=int, default=224)
    ap.add_argument("--height", type=int, default=224)
    ap.add_argument("--layers", default="")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    model = torch.jit.load(args.model).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    layers = args.layers.split(",") if args.layers else list(model.default_layers)
    rng = random.Random(0)
    torch.manual_seed(0)
    x = torch.rand(1, 3, args.height, args.width)
    dream_steps(model, layers, x, 3, 0.01, 16, rng)  # warm-up (the JIT profiles the first runs)
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        dream_steps(model, layers, x, args.steps, 0.01, 16, rng)
        times.append((time.perf_counter() - t0) / args.steps)
    times.sort()
    print(json.dumps({"seconds_per_step": times[len(times) // 2], "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
