#!/usr/bin/python3
"""The "Sequence models in TinyML" recipe on raw HAPT: stacked SimpleRNN / LSTM / GRU on 50-step
windows of the 6 raw accelerometer/gyroscope channels, 12 activity labels (the label of the
window's last step).

  /usr/bin/python3 zoo/train_hapt.py --model seq-gru-hapt     # one model
  /usr/bin/python3 zoo/train_hapt.py --all                    # the three, one after the other
  /usr/bin/python3 zoo/train_hapt.py --write-data out/hapt    # only the evaluation windows as .npy
  /usr/bin/python3 zoo/train_hapt.py --counts                 # windows per split and class

Data: /work/shared/data/hapt (override with --data-dir or $HARC_HAPT_DIR): the continuous 50 Hz
recordings of UCI HAPT v2.1, 61 experiments of 30 subjects. Outputs: zoo/hapt/<name>.onnx
(committed), zoo/hapt/<name>.pt (not committed), the model's entry in zoo/manifest.json.

Windowing (`window_ends`): inside one recording (never across two), a window is the 50 samples
ending at sample e; its label is the label of sample e; windows whose last sample is unlabelled
(id 0, outside every labelled segment) are dropped. Ends are every `stride` samples from the
first full window. The evaluation splits (validation, test) use stride 25 (50 % overlap) for
every class. Training uses stride 50 (no overlap, so that the 256-wide RNN trains in minutes on one
core), plus every 10th end inside the six postural transitions, which are 10-15x rarer than the
basic activities (see --counts).

Split by subject (`split_of`): test = the usual UCI HAR / HAPT test subjects 2 4 9 10 12 13 18
20 24; validation = training subjects 7 17 27 (as zoo/train.py --val); train = the other 18.
"""
import argparse
import csv
import json
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from models import StackedRNN  # noqa: E402
from train import accuracy, confusion, count_macs, count_params, macro_f1, predict_logits, train_epoch, update_manifest  # noqa: E402
from hapt_windows import C, NUM_CLASSES, T, load_raw, make_split, split_of, window_ends  # noqa: E402

DEFAULT_DATA = os.environ.get("HARC_HAPT_DIR", "/work/shared/data/hapt")
SEED = 1234
DATA_SEED = 2026
OPSET = 14
CLASSES = ["WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING",
           "STAND_TO_SIT", "SIT_TO_STAND", "SIT_TO_LIE", "LIE_TO_SIT", "STAND_TO_LIE", "LIE_TO_STAND"]

MODELS = {
    "seq-rnn-hapt": dict(cell="rnn", sizes=[256, 128, 64], epochs=8, lr=1e-3, batch=64,
                         notes="Stacked SimpleRNN (nn.RNN tanh) 256-128-64, last time step, Linear(64->12)."),
    "seq-lstm-hapt": dict(cell="lstm", sizes=[128, 64, 32], epochs=8, lr=2e-3, batch=64,
                          notes="Stacked LSTM 128-64-32 (three single-layer LSTMs), last time step, Linear(32->12)."),
    "seq-gru-hapt": dict(cell="gru", sizes=[128, 64, 32], epochs=8, lr=2e-3, batch=64,
                         notes="Stacked GRU 128-64-32 (three single-layer GRUs), last time step, Linear(32->12)."),
}
ORDER = ["seq-rnn-hapt", "seq-lstm-hapt", "seq-gru-hapt"]


def calib_subset(Xtr, n=256):
    """n training windows for int8 calibration, drawn with DATA_SEED from the stride-25 windows
    (the transition-dense extra windows excluded, so the draw follows the class mix of the data)."""
    rng = np.random.default_rng(DATA_SEED)
    idx = np.sort(rng.permutation(len(Xtr))[:n])
    return Xtr[idx]


def write_npy(path, arr):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(arr), version=(1, 0), allow_pickle=False)


def write_data(data_dir, out_dir):
    """The evaluation windows as .npy (not committed; ~11 MB for test): test_X/test_y (stride 25,
    test subjects), val_X/val_y (stride 25, validation subjects), calib_X (256 training windows)."""
    x, labels, recs = load_raw(data_dir)
    os.makedirs(out_dir, exist_ok=True)
    Xte, yte, _ = make_split(x, labels, recs, "test")
    Xva, yva, _ = make_split(x, labels, recs, "val")
    Xtr, _ = plain_train(x, labels, recs)
    for name, arr in [("test_X.npy", Xte), ("test_y.npy", yte), ("val_X.npy", Xva), ("val_y.npy", yva),
                      ("calib_X.npy", calib_subset(Xtr))]:
        write_npy(os.path.join(out_dir, name), arr)
    print(f"wrote {out_dir}: test {len(yte)}, val {len(yva)}, calib 256 windows of [{T}, {C}]")


def plain_train(x, labels, recs):
    """Training-subject windows at the evaluation stride only (for calibration and statistics)."""
    xs, ys = [], []
    for _exp, user, off, n in recs:
        if split_of(user) != "train":
            continue
        ends = window_ends(labels[off:off + n])
        xs.append(x[off:off + n][ends[:, None] + np.arange(-T + 1, 1)[None, :]])
        ys.append(labels[off + ends].astype(np.int64) - 1)
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.uint8)


def print_counts(data_dir):
    x, labels, recs = load_raw(data_dir)
    for split in ("train", "val", "test"):
        _, y, s = make_split(x, labels, recs, split)
        print(f"{split:5s} subjects {sorted(set(s.tolist()))}\n      windows {len(y)}  per class "
              f"{np.bincount(y, minlength=NUM_CLASSES).tolist()}")


# ---------------------------------------------------------------- train, export
def export_onnx(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, T, C), path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"], export_params=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return sorted({n.op_type for n in m.graph.node})


def train_one(name, args, data):
    spec = MODELS[name]
    epochs = args.epochs if args.epochs is not None else spec["epochs"]
    lr, batch = spec["lr"], spec["batch"]
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    (Xtr, ytr), (Xva, yva), (Xte, yte), stats = data
    model = StackedRNN(stats["mean"], stats["std"], spec["cell"], spec["sizes"], channels=C, classes=NUM_CLASSES)
    params, macs = count_params(model), count_macs(model, (1, T, C))
    print(f"[{name}] train {len(Xtr)}  val {len(Xva)}  test {len(Xte)}  params {params}  MACs {macs}  "
          f"epochs {epochs}  lr {lr}", flush=True)

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (len(Xtr) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.15)
    lossf = nn.CrossEntropyLoss(label_smoothing=0.05)
    noise_std = torch.tensor(stats["std"], dtype=torch.float32) * 0.02
    Xtr_t, ytr_t = torch.from_numpy(Xtr), torch.from_numpy(ytr.astype(np.int64))
    t0 = time.time()
    val_log = []
    for ep in range(epochs):
        loss = train_epoch(model, Xtr_t, ytr_t, batch, gen, noise_std, opt, sched, lambda m, xb, yb: lossf(m(xb), yb))
        pv = predict_logits(model, Xva).argmax(1)
        val = (accuracy(yva, pv), macro_f1(yva, pv, NUM_CLASSES))
        val_log.append(val)
        print(f"[{name}] epoch {ep + 1}/{epochs} loss {loss:.4f} val acc {val[0]:.4f} val F1 {val[1]:.4f}  "
              f"({time.time() - t0:.0f}s)", flush=True)
    train_time = time.time() - t0
    # No checkpoint selection: the final epoch is exported, then scored once on the test subjects.
    model.eval()
    pt = predict_logits(model, Xte).argmax(1)
    test_acc, test_f1 = accuracy(yte, pt), macro_f1(yte, pt, NUM_CLASSES)
    print(f"[{name}] TEST acc {test_acc:.4f} macro-F1 {test_f1:.4f}", flush=True)
    print(confusion(yte, pt, NUM_CLASSES))

    mdir = os.path.join(HERE, "hapt")
    os.makedirs(mdir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(mdir, f"{name}.pt"))
    ops = export_onnx(model, os.path.join(mdir, f"{name}.onnx"))
    print(f"[{name}] ONNX ops: {ops}", flush=True)

    cmd = ["/usr/bin/python3", "zoo/train_hapt.py", "--model", name]
    if args.epochs is not None:
        cmd += ["--epochs", str(args.epochs)]
    if args.seed != SEED:
        cmd += ["--seed", str(args.seed)]
    entry = {
        "name": name,
        "file": f"hapt/{name}.onnx",
        "dataset": "hapt",
        "params": params,
        "macs": macs,
        "floatTestAccuracy": round(test_acc, 4),
        "floatTestMacroF1": round(test_f1, 4),
        "floatValAccuracy": round(val_log[-1][0], 4),
        "floatValMacroF1": round(val_log[-1][1], 4),
        "testWindows": int(len(yte)),
        "seed": args.seed,
        "epochs": epochs,
        "trainSeconds": round(train_time),
        "trainCommand": " ".join(shlex.quote(c) for c in cmd),
        "dataCommand": "/usr/bin/python3 zoo/train_hapt.py --write-data out/hapt",
        "inputShape": [1, T, C],
        "inputLayout": "NTC",
        "outputShape": [1, NUM_CLASSES],
        "classes": CLASSES,
        "onnxOps": ops,
        "opset": OPSET,
        "notes": spec["notes"] + " Trained on raw HAPT (zoo/train_hapt.py): 50-step windows of the 6 raw "
                 "acc/gyro channels, label of the last step, 12 classes; split by subject (test 2 4 9 10 12 13 "
                 "18 20 24, validation 7 17 27, train the other 18); test = stride-25 windows of the test "
                 "subjects. Input normalised in-graph: (x - mean) / std with training-window channel statistics.",
    }
    # several models may train in parallel processes: one manifest read-modify-write at a time
    import fcntl
    with open(os.path.join(HERE, "manifest.json")) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        update_manifest(entry)
    return entry


def load_data(data_dir):
    x, labels, recs = load_raw(data_dir)
    Xtr, ytr, _ = make_split(x, labels, recs, "train")
    Xva, yva, _ = make_split(x, labels, recs, "val")
    Xte, yte, _ = make_split(x, labels, recs, "test")
    flat = Xtr.reshape(-1, C).astype(np.float64)
    stats = {"mean": flat.mean(0).astype(np.float32).tolist(), "std": flat.std(0).astype(np.float32).tolist()}
    return (Xtr, ytr), (Xva, yva), (Xte, yte), stats


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=list(MODELS))
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--data-dir", default=DEFAULT_DATA)
    ap.add_argument("--write-data", metavar="DIR", help="write the test/validation/calibration windows as .npy to DIR")
    ap.add_argument("--counts", action="store_true", help="print windows per split and class")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.counts:
        print_counts(args.data_dir)
    if args.write_data:
        write_data(args.data_dir, args.write_data)
    names = ORDER if args.all else ([args.model] if args.model else [])
    if not names and not (args.write_data or args.counts):
        ap.error("give --model NAME, --all, --write-data DIR or --counts")
    if names:
        data = load_data(args.data_dir)
        for n in names:
            train_one(n, args, data)


if __name__ == "__main__":
    main()
