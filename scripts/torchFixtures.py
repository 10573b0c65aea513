#!/usr/bin/env python3
"""Writes test/fixtures/torchTrajectories.json: float32 trajectories of torch.optim's Adam, AdamW,
RMSprop and SGD on a fixed 11-parameter problem, for test/optim/torchRounding.test.ts.

Run once by hand (`python3 scripts/torchFixtures.py`, needs `pip install torch`); the tests only
read the JSON, they never need Python. The file records the torch version and CPU capability it
came from: torch's CPU kernels fuse some multiply-adds (lerp_, addcmul_, add_ with alpha), so a
build without FMA could round differently in the last bit.

The problem (mirrored exactly in test/optim/torchRounding.test.ts): parameters x (float32), targets
a, and a gradient evaluated in float64 from the float32 parameters with + - * / only (so Python and
JavaScript compute the same bits), then rounded to float32:
    s = x_0 + x_1 + ... + x_10            (left to right)
    q = 1 + x_i * x_i
    g_i = (x_i - a_i) * (1 + 0.5 / q) + 0.25 * x_i / q + 0.05 * s
Every optimizer runs with foreach=False (torch's per-tensor path, `_single_tensor_*`).
"""
import json
import os
import re
import platform

import torch

X0 = [0.5, -1.25, 2.0, 0.75, -0.375, 1.5, -2.25, 0.125, 3.0, -0.625, 1.125]
A = [1.5, -0.5, 2.5, 0.25, -1.25, 0.75, -1.0, 0.5, 2.0, 0.0, -0.75]
STEPS = 300
# steps (1-based) at which parameters and state are recorded
SNAPSHOTS = [1, 2, 3, 5, 10, 20, 50, 100, 150, 200, 250, 300]


def grad_of(x32):
    x = [float(v) for v in x32.tolist()]
    s = 0.0
    for v in x:
        s = s + v
    g = []
    for xi, ai in zip(x, A):
        q = 1.0 + xi * xi
        g.append((xi - ai) * (1.0 + 0.5 / q) + 0.25 * xi / q + 0.05 * s)
    return torch.tensor(g, dtype=torch.float64).to(torch.float32)


# name -> (torch constructor, its keyword arguments, torch state names to record)
CASES = {
    "adam b2=0.999": (torch.optim.Adam, dict(lr=1e-3, betas=(0.9, 0.999)), ["exp_avg", "exp_avg_sq"]),
    "adam b2=0.9999": (torch.optim.Adam, dict(lr=1e-3, betas=(0.9, 0.9999)), ["exp_avg", "exp_avg_sq"]),
    "adam b1=0.99 b2=0.9999 l2 amsgrad": (
        torch.optim.Adam,
        dict(lr=1e-3, betas=(0.99, 0.9999), weight_decay=0.05, amsgrad=True),
        ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    ),
    # lr * weight_decay = 2^-13, so torch's decay factor 1 - lr * weight_decay is exact in float32
    # (see test/optim/torchRounding.test.ts for what a rounded factor does)
    "adamw b2=0.9999": (
        torch.optim.AdamW,
        dict(lr=2**-10, betas=(0.9, 0.9999), weight_decay=0.125),
        ["exp_avg", "exp_avg_sq"],
    ),
    # beta1 <= 0.5: torch's lerp_ switches to end - (end - self) * (1 - weight) from weight 0.5 on
    "adam b1=0 b2=0.99": (torch.optim.Adam, dict(lr=1e-3, betas=(0.0, 0.99)), ["exp_avg", "exp_avg_sq"]),
    "adam b1=0.3 b2=0.999 l2 amsgrad": (
        torch.optim.Adam,
        dict(lr=1e-3, betas=(0.3, 0.999), weight_decay=0.05, amsgrad=True),
        ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    ),
    "adamw b1=0.5 b2=0.9999": (
        torch.optim.AdamW,
        dict(lr=2**-10, betas=(0.5, 0.9999), weight_decay=0.125),
        ["exp_avg", "exp_avg_sq"],
    ),
    "rmsprop alpha=0.999": (torch.optim.RMSprop, dict(lr=3e-4, alpha=0.999), ["square_avg"]),
    "rmsprop alpha=0.9999 centered momentum": (
        torch.optim.RMSprop,
        dict(lr=1e-4, alpha=0.9999, centered=True, momentum=0.5),
        ["square_avg", "grad_avg", "momentum_buffer"],
    ),
    "sgd momentum dampening wd": (
        torch.optim.SGD,
        dict(lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.01),
        ["momentum_buffer"],
    ),
    "sgd nesterov": (torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True), ["momentum_buffer"]),
}


def f32_list(t):
    # "%.9g" round-trips every float32 exactly
    return [float("%.9g" % v) for v in t.detach().to(torch.float64).tolist()]


def run(ctor, kwargs, names):
    p = torch.nn.Parameter(torch.tensor(X0, dtype=torch.float32))
    opt = ctor([p], foreach=False, **kwargs)
    snaps = []
    for t in range(1, STEPS + 1):
        p.grad = grad_of(p.detach())
        opt.step()
        if t in SNAPSHOTS:
            st = opt.state[p]
            snaps.append({"step": t, "param": f32_list(p), **{k: f32_list(st[k]) for k in names}})
    return snaps


def main():
    out = {
        "generator": "scripts/torchFixtures.py",
        "torch": torch.__version__,
        "cpu": torch.backends.cpu.get_cpu_capability(),
        "python": platform.python_version(),
        "x0": X0,
        "a": A,
        "steps": STEPS,
        "cases": {},
    }
    for name, (ctor, kwargs, names) in CASES.items():
        out["cases"][name] = {
            "optimizer": ctor.__name__,
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
            "snapshots": run(ctor, kwargs, names),
        }
    # one snapshot per line: readable diffs when torch is updated
    text = json.dumps(out, indent=1)
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "torchTrajectories.json")
    with open(out_path, "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
