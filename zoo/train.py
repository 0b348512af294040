#!/usr/bin/python3
"""Train, evaluate and export the harc HAR model zoo.

  /usr/bin/python3 zoo/train.py --model har-cnn     # one model
  /usr/bin/python3 zoo/train.py --all               # every model, in zoo order
  /usr/bin/python3 zoo/train.py --make-data         # (re)write zoo/data/*.npy

Needs torch (tested with Debian python3-torch 1.13), onnx and numpy. Runs on CPU
with one thread. Data: /work/shared/data/uci-har (override with --data-dir or
$HARC_UCI_HAR_DIR). Outputs go to zoo/models/<name>.onnx (+ .pt state dict, not
committed) and the model's entry in zoo/manifest.json.
"""
import argparse
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
from models import MODELS, ORDER, NUM_CLASSES, T, C  # noqa: E402

DEFAULT_DATA = os.environ.get("HARC_UCI_HAR_DIR", "/work/shared/data/uci-har")
SEED = 1234
DATA_SEED = 2026
# Training subjects held out with --val (diagnostics only; never the test subjects).
VAL_SUBJECTS = [7, 17, 27]
OPSET = 14


def load_split(data_dir, split):
    X = np.fromfile(os.path.join(data_dir, f"X_{split}.f32"), "<f4").reshape(-1, T, C)
    y = np.fromfile(os.path.join(data_dir, f"y_{split}.u8"), "u1")
    s = np.fromfile(os.path.join(data_dir, f"subject_{split}.u8"), "u1")
    return X, y, s


def load_meta(data_dir):
    with open(os.path.join(data_dir, "meta.json")) as f:
        return json.load(f)


# ---------------------------------------------------------------- metrics
def confusion(y_true, y_pred, k=NUM_CLASSES):
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return cm


def macro_f1(y_true, y_pred, k=NUM_CLASSES):
    cm = confusion(y_true, y_pred, k)
    tp = np.diag(cm).astype(np.float64)
    prec = tp / np.maximum(cm.sum(0), 1)
    rec = tp / np.maximum(cm.sum(1), 1)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0.0)
    return float(f1.mean())


def accuracy(y_true, y_pred):
    return float((y_true == y_pred).mean())


@torch.no_grad()
def predict_logits(model, X, batch=256):
    model.eval()
    out = []
    for i in range(0, len(X), batch):
        out.append(model(torch.from_numpy(X[i:i + batch])).numpy())
    return np.concatenate(out, 0)


# ---------------------------------------------------------------- MACs / params
def count_params(model):
    return int(sum(p.numel() for p in model.parameters()))


def count_macs(model):
    """Multiply-accumulates for one [1,128,9] inference.

    Counted: Conv1d (incl. depthwise and the 1x1 SE convs), Linear, and the
    matrix products of LSTM (4 gates), GRU (3 gates) and RNN (1) cells, per time
    step, per direction, per layer. Not counted: BatchNorm (assumed folded),
    input normalisation, activations, pooling, gate element-wise products,
    residual adds.
    """
    total = [0]

    def conv_hook(m, inp, out):
        total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0]

    def lin_hook(m, inp, out):
        total[0] += m.in_features * m.out_features * (out.numel() // m.out_features)

    def rnn_hook(m, inp, out):
        x = inp[0]
        steps = x.shape[1] if m.batch_first else x.shape[0]
        gates = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}[m.mode]
        dirs = 2 if m.bidirectional else 1
        H = m.hidden_size
        for layer in range(m.num_layers):
            I = m.input_size if layer == 0 else H * dirs
            total[0] += dirs * steps * gates * H * (I + H)

    hooks = []
    for mod in model.modules():
        if isinstance(mod, nn.Conv1d):
            hooks.append(mod.register_forward_hook(conv_hook))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(lin_hook))
        elif isinstance(mod, nn.RNNBase):
            hooks.append(mod.register_forward_hook(rnn_hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, T, C))
    for h in hooks:
        h.remove()
    return int(total[0])


# ---------------------------------------------------------------- data subset
def write_npy_subset(data_dir, out_dir):
    """Write zoo/data/{test_X,test_y,calib_X}.npy (numpy .npy v1.0)."""
    os.makedirs(out_dir, exist_ok=True)
    Xte, yte, _ = load_split(data_dir, "test")
    Xtr, _, _ = load_split(data_dir, "train")
    rng = np.random.default_rng(DATA_SEED)
    test_idx = np.sort(rng.permutation(len(Xte))[:256])
    calib_idx = np.sort(rng.permutation(len(Xtr))[:256])
    for name, arr in [("test_X.npy", np.ascontiguousarray(Xte[test_idx], dtype="<f4")),
                      ("test_y.npy", np.ascontiguousarray(yte[test_idx], dtype="u1")),
                      ("calib_X.npy", np.ascontiguousarray(Xtr[calib_idx], dtype="<f4")),
                      ("test_idx.npy", test_idx.astype("<i8")),
                      ("calib_idx.npy", calib_idx.astype("<i8"))]:
        with open(os.path.join(out_dir, name), "wb") as f:
            np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)
    return test_idx, calib_idx


def load_subset(out_dir):
    X = np.load(os.path.join(out_dir, "test_X.npy"))
    y = np.load(os.path.join(out_dir, "test_y.npy"))
    return X, y


# ---------------------------------------------------------------- training
def augment(xb, gen, noise_std):
    # xb: raw units [B, T, C]. Random per-window amplitude scaling and small Gaussian jitter.
    B = xb.shape[0]
    scale = 1.0 + 0.1 * (2 * torch.rand(B, 1, 1, generator=gen) - 1)
    noise = torch.randn(xb.shape, generator=gen) * noise_std
    return xb * scale + noise


def train_one(name, args):
    spec = MODELS[name]
    epochs = args.epochs if args.epochs is not None else spec["epochs"]
    lr = spec["lr"]
    batch = spec["batch"]
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    meta = load_meta(args.data_dir)
    mean, std = meta["train"]["mean"], meta["train"]["std"]
    Xtr_all, ytr_all, str_all = load_split(args.data_dir, "train")
    Xte, yte, _ = load_split(args.data_dir, "test")
    if args.val:
        val_mask = np.isin(str_all, VAL_SUBJECTS)
    else:
        val_mask = np.zeros(len(ytr_all), dtype=bool)
    Xtr, ytr = Xtr_all[~val_mask], ytr_all[~val_mask]
    Xva, yva = Xtr_all[val_mask], ytr_all[val_mask]
    print(f"[{name}] train {len(Xtr)}  val {len(Xva)}  test {len(Xte)}", flush=True)

    model = spec["build"](mean, std)
    params = count_params(model)
    macs = count_macs(model)
    print(f"[{name}] params {params}  MACs {macs}  epochs {epochs}  lr {lr}", flush=True)

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (len(Xtr) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch,
                                                pct_start=0.15)
    lossf = nn.CrossEntropyLoss(label_smoothing=0.05)
    noise_std = torch.tensor(std, dtype=torch.float32) * 0.02
    Xtr_t = torch.from_numpy(Xtr)
    ytr_t = torch.from_numpy(ytr.astype(np.int64))

    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(Xtr), generator=gen)
        tot, n = 0.0, 0
        for i in range(0, len(Xtr), batch):
            idx = perm[i:i + batch]
            xb = augment(Xtr_t[idx], gen, noise_std)
            yb = ytr_t[idx]
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            n += len(idx)
        msg = f"[{name}] epoch {ep + 1}/{epochs} loss {tot / n:.4f}"
        if len(Xva):
            pv = predict_logits(model, Xva).argmax(1)
            msg += f" val acc {accuracy(yva, pv):.4f} val F1 {macro_f1(yva, pv):.4f}"
        print(msg + f"  ({time.time() - t0:.0f}s)", flush=True)

    # No checkpoint selection: the final epoch (end of the one-cycle schedule) is exported.
    model.eval()
    train_time = time.time() - t0
    pt = predict_logits(model, Xte).argmax(1)
    test_acc, test_f1 = accuracy(yte, pt), macro_f1(yte, pt)
    print(f"[{name}] TEST acc {test_acc:.4f} macro-F1 {test_f1:.4f}",
          flush=True)
    print(confusion(yte, pt))

    # ---- export
    mdir = os.path.join(HERE, "models")
    os.makedirs(mdir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(mdir, f"{name}.pt"))
    onnx_path = os.path.join(mdir, f"{name}.onnx")
    export_onnx(model, onnx_path)
    ops = onnx_ops(onnx_path)
    print(f"[{name}] ONNX ops: {ops}", flush=True)

    # ---- subset reference (for zoo/check_onnx.mjs)
    Xs, ys = load_subset(os.path.join(HERE, "data"))
    ls = predict_logits(model, Xs)
    ls.astype("<f4").tofile(os.path.join(mdir, f"{name}.subset_logits.f32"))  # not committed
    subset_acc = accuracy(ys, ls.argmax(1))

    cmd = ["/usr/bin/python3", "zoo/train.py", "--model", name]
    if args.epochs is not None:
        cmd += ["--epochs", str(args.epochs)]
    if args.val:
        cmd += ["--val"]
    if args.seed != SEED:
        cmd += ["--seed", str(args.seed)]
    entry = {
        "name": name,
        "file": f"models/{name}.onnx",
        "params": params,
        "macs": macs,
        "floatTestAccuracy": round(test_acc, 4),
        "floatTestMacroF1": round(test_f1, 4),
        "floatSubsetAccuracy": round(subset_acc, 4),
        "seed": args.seed,
        "epochs": epochs,
        "trainSeconds": round(train_time),
        "trainCommand": " ".join(shlex.quote(c) for c in cmd),
        "inputShape": [1, T, C],
        "inputLayout": "NTC",
        "outputShape": [1, NUM_CLASSES],
        "classes": meta["labels"],
        "onnxOps": ops,
        "opset": OPSET,
        "notes": spec["notes"] + " Input normalised in-graph: (x - mean) / std with training-split "
                                 "channel statistics from meta.json.",
    }
    update_manifest(entry)
    return entry


def export_onnx(model, path):
    model.eval()
    dummy = torch.zeros(1, T, C)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"], export_params=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)


def onnx_ops(path):
    import onnx
    m = onnx.load(path)
    return sorted({n.op_type for n in m.graph.node})


def update_manifest(entry):
    path = os.path.join(HERE, "manifest.json")
    data = {"description": "harc HAR model zoo; float32 models trained on UCI-HAR-style windows "
                           "(see zoo/README.md). Accuracy/F1 are on the full test split (2996 windows).",
            "models": []}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    models = [m for m in data["models"] if m["name"] != entry["name"]] + [entry]
    models.sort(key=lambda m: ORDER.index(m["name"]) if m["name"] in ORDER else 99)
    data["models"] = models
    with open(path, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def print_table():
    with open(os.path.join(HERE, "manifest.json")) as f:
        data = json.load(f)
    print("| model | params | MACs | epochs | test acc | test macro-F1 | train time (1 thread) | ONNX ops |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for m in data["models"]:
        print(f"| `{m['name']}` | {m['params']:,} | {m['macs']:,} | {m['epochs']} | "
              f"{100 * m['floatTestAccuracy']:.2f} % | {100 * m['floatTestMacroF1']:.2f} % | "
              f"{m['trainSeconds'] / 60:.1f} min | {', '.join(m['onnxOps'])} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=list(MODELS))
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--make-data", action="store_true")
    ap.add_argument("--table", action="store_true", help="print the results table (markdown) from manifest.json")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--val", action="store_true",
                    help=f"hold out training subjects {VAL_SUBJECTS} and print validation scores per epoch "
                         "(default: train on all 21 training subjects)")
    ap.add_argument("--data-dir", default=DEFAULT_DATA)
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.table:
        print_table()
        return

    ddir = os.path.join(HERE, "data")
    if args.make_data or not os.path.exists(os.path.join(ddir, "test_X.npy")):
        write_npy_subset(args.data_dir, ddir)
        print("wrote", ddir)
    names = ORDER if args.all else ([args.model] if args.model else [])
    if not names and not args.make_data:
        ap.error("give --model NAME, --all or --make-data")
    for n in names:
        train_one(n, args)


if __name__ == "__main__":
    main()
