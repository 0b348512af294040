#!/usr/bin/python3
"""Train and export the multi-exit HAR CNN of the zoo (issue 14: adaptive inference).

  /usr/bin/python3 zoo/train_multiexit.py            # select on validation, retrain, export
  /usr/bin/python3 zoo/train_multiexit.py --select-only

`har-cnn-3exit` is the backbone of `har-cnn` with a classifier head (global average pool +
Linear) after each of its three conv stages. Trained with a joint loss, a weighted sum of the
three exits' cross-entropies. The exit-loss weights and the epoch count are chosen on a validation
split of the training windows (training subjects 7, 17, 27 held out); the exported model is the
chosen candidate itself, trained without those subjects, so that `harc eval --exits` can choose
its decision thresholds on a split the model never saw (`--write-eval-data DIR` writes it, and the
full test split, as .npy). The test split is only read for the final report. Exported to ONNX (opset 14) with one output per exit, in depth order:
`exit1`, `exit2`, `exit3`, each [1, 6] logits.
"""
import argparse
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from models import InputNorm, conv_bn_relu, NUM_CLASSES, T, C  # noqa: E402
import train as zoo  # noqa: E402

NAME = "har-cnn-3exit"
EXIT_NAMES = ["exit1", "exit2", "exit3"]
# Candidate joint-loss weights (exit1, exit2, exit3) and epoch counts, chosen on validation.
WEIGHT_CANDIDATES = [(1.0, 1.0, 1.0), (0.5, 0.75, 1.0), (0.3, 0.3, 1.0)]
EPOCH_CANDIDATES = [30]
LR = 3e-3
BATCH = 64


class HarCNN3Exit(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.norm = InputNorm(mean, std)
        self.stage1 = nn.Sequential(conv_bn_relu(C, 24, 5), nn.MaxPool1d(2))   # 128 -> 64
        self.stage2 = nn.Sequential(conv_bn_relu(24, 48, 5), nn.MaxPool1d(2))  # 64 -> 32
        self.stage3 = conv_bn_relu(48, 64, 3)                                  # 32
        self.head1 = nn.Linear(24, NUM_CLASSES)
        self.head2 = nn.Linear(48, NUM_CLASSES)
        self.head3 = nn.Linear(64, NUM_CLASSES)

    def forward(self, x):
        x = self.norm(x).transpose(1, 2)
        a = self.stage1(x)
        b = self.stage2(a)
        c = self.stage3(b)
        return self.head1(a.mean(dim=2)), self.head2(b.mean(dim=2)), self.head3(c.mean(dim=2))


@torch.no_grad()
def predict_exits(model, X, batch=256):
    model.eval()
    outs = [[], [], []]
    for i in range(0, len(X), batch):
        for k, o in enumerate(model(torch.from_numpy(X[i:i + batch]))):
            outs[k].append(o.numpy())
    return [np.concatenate(o, 0) for o in outs]


def macs_per_exit(model):
    """MACs to reach each exit (backbone up to it + its head), counted like zoo/train.py."""
    m1 = 128 * 24 * 9 * 5 + 24 * 6
    m2 = 128 * 24 * 9 * 5 + 64 * 48 * 24 * 5 + 48 * 6
    m3 = 128 * 24 * 9 * 5 + 64 * 48 * 24 * 5 + 32 * 64 * 48 * 3 + 64 * 6
    # cumulative cost of running up to exit k, including the heads of the exits before it
    return [m1, m2 + 24 * 6, m3 + 24 * 6 + 48 * 6]


def fit(mean, std, X, y, weights, epochs, seed, log=None):
    # seeded before the weights are initialised: every candidate starts from the same state
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = HarCNN3Exit(mean, std)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps = (len(X) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=epochs * steps, pct_start=0.15)
    lossf = nn.CrossEntropyLoss(label_smoothing=0.05)
    noise_std = torch.tensor(std, dtype=torch.float32) * 0.02
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    joint = lambda m, xb, yb: sum(w * lossf(o, yb) for w, o in zip(weights, m(xb))) / sum(weights)  # noqa: E731
    for ep in range(epochs):
        loss = zoo.train_epoch(model, Xt, yt, BATCH, gen, noise_std, opt, sched, joint)
        if log:
            log(f"epoch {ep + 1}/{epochs} loss {loss:.4f}")
    model.eval()
    return model


def scores(y, logits):
    return [(zoo.accuracy(y, l.argmax(1)), zoo.macro_f1(y, l.argmax(1))) for l in logits]


def export(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, T, C), path, opset_version=zoo.OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=EXIT_NAMES, export_params=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=zoo.SEED)
    ap.add_argument("--data-dir", default=zoo.DEFAULT_DATA)
    ap.add_argument("--select-only", action="store_true")
    ap.add_argument("--write-eval-data", metavar="DIR",
                    help="write DIR/{val,test}_{X,y}.npy (validation subjects / full test split) and exit")
    args = ap.parse_args()
    torch.set_num_threads(1)
    meta = zoo.load_meta(args.data_dir)
    mean, std = meta["train"]["mean"], meta["train"]["std"]
    X, y, s = zoo.load_split(args.data_dir, "train")
    val = np.isin(s, zoo.VAL_SUBJECTS)
    if args.write_eval_data:
        Xte, yte, _ = zoo.load_split(args.data_dir, "test")
        os.makedirs(args.write_eval_data, exist_ok=True)
        for name, arr in [("val_X", X[val]), ("val_y", y[val]), ("test_X", Xte), ("test_y", yte)]:
            with open(os.path.join(args.write_eval_data, name + ".npy"), "wb") as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arr), version=(1, 0), allow_pickle=False)
        print(f"wrote {args.write_eval_data}/{{val,test}}_{{X,y}}.npy ({int(val.sum())} / {len(yte)} windows)")
        return

    # ---- selection on validation: score = mean macro-F1 over the exits (every exit is an operating point)
    best = None
    t0 = t1 = time.time()
    for epochs in EPOCH_CANDIDATES:
        for w in WEIGHT_CANDIDATES:
            m = fit(mean, std, X[~val], y[~val], w, epochs, args.seed)
            sc = scores(y[val], predict_exits(m, X[val]))
            mean_f1 = float(np.mean([f for _, f in sc]))
            print(f"[select] epochs {epochs} weights {w}: val macro-F1 per exit "
                  f"{[round(f, 4) for _, f in sc]} mean {mean_f1:.4f}  ({time.time() - t0:.0f}s)", flush=True)
            if best is None or mean_f1 > best[0]:
                best = (mean_f1, epochs, w, m, time.time() - t1)
            t1 = time.time()
    _, epochs, w, model, train_time = best
    print(f"[select] chosen: epochs {epochs} weights {w}", flush=True)
    if args.select_only:
        return
    Xte, yte, _ = zoo.load_split(args.data_dir, "test")
    sc = scores(yte, predict_exits(model, Xte))
    for k, (a, f) in enumerate(sc):
        print(f"[{NAME}] TEST exit{k + 1} acc {a:.4f} macro-F1 {f:.4f}", flush=True)

    mdir = os.path.join(HERE, "models")
    torch.save(model.state_dict(), os.path.join(mdir, f"{NAME}.pt"))
    path = os.path.join(mdir, f"{NAME}.onnx")
    export(model, path)
    cmd = ["/usr/bin/python3", "zoo/train_multiexit.py"] + (["--seed", str(args.seed)] if args.seed != zoo.SEED else [])
    macs = macs_per_exit(model)
    entry = {
        "name": NAME,
        "file": f"models/{NAME}.onnx",
        "params": zoo.count_params(model),
        "macs": macs[-1],
        "macsPerExit": macs,
        "floatTestAccuracy": round(sc[-1][0], 4),
        "floatTestMacroF1": round(sc[-1][1], 4),
        "exits": [{"output": n, "floatTestAccuracy": round(a, 4), "floatTestMacroF1": round(f, 4)}
                  for n, (a, f) in zip(EXIT_NAMES, sc)],
        "seed": args.seed,
        "epochs": epochs,
        "exitLossWeights": list(w),
        "trainSeconds": round(train_time),
        "trainCommand": " ".join(shlex.quote(c) for c in cmd),
        "inputShape": [1, T, C],
        "inputLayout": "NTC",
        "outputShape": [1, NUM_CLASSES],
        "outputs": EXIT_NAMES,
        "classes": meta["labels"],
        "onnxOps": zoo.onnx_ops(path),
        "opset": zoo.OPSET,
        "notes": "Multi-exit har-cnn: 3x(Conv1d+BN+ReLU) with 2 MaxPool1d; after each stage a head "
                 "(mean over time + Linear) gives logits exit1/exit2/exit3 in depth order. Joint loss "
                 f"(weights {list(w)}); weights and epochs chosen on training subjects 7, 17, 27 held out; "
                 "the exported model is that candidate (trained without those subjects). Input normalised in-graph: (x - mean) / std "
                 "with training-split channel statistics from meta.json. macsPerExit: cumulative MACs of a "
                 "run that stops at each exit (including the heads of the earlier exits).",
    }
    zoo.update_manifest(entry)
    print(f"[{NAME}] wrote {os.path.relpath(path, os.getcwd())} and its manifest entry", flush=True)


if __name__ == "__main__":
    main()
