#!/usr/bin/python3
"""Train, evaluate and export the harc HAR model zoo.

  /usr/bin/python3 zoo/train.py --model har-cnn     # one model
  /usr/bin/python3 zoo/train.py --all               # every model, in zoo order
  /usr/bin/python3 zoo/train.py --make-data         # (re)write zoo/data/*.npy
  /usr/bin/python3 zoo/train.py --model mobilenet-1d --qat-epochs 3   # + int8 quantization-aware fine-tuning
  /usr/bin/python3 zoo/train.py --model har-cnn --qat-bits 4 --qat-epochs 15   # 4-bit weights: zoo/models/har-cnn-w4.onnx

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
QAT_LR = 1e-5
QAT_LR_SUBBYTE = 5e-4
QAT_FREEZE = 1


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


def train_epoch(model, Xt, yt, batch, gen, noise_std, opt, sched, loss_of):
    """One epoch of the zoo's recipe (shuffle, augment, clip, one-cycle step); returns the mean loss.
    loss_of(model, xb, yb) -> loss: plain cross-entropy, or a multi-exit sum. The generator is drawn
    in the same order as before (permutation, then one augmentation per batch), so trained weights
    stay bit-identical."""
    model.train()
    perm = torch.randperm(len(Xt), generator=gen)
    tot, n = 0.0, 0
    for i in range(0, len(Xt), batch):
        idx = perm[i:i + batch]
        xb = augment(Xt[idx], gen, noise_std)
        opt.zero_grad()
        loss = loss_of(model, xb, yt[idx])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        tot += float(loss) * len(idx)
        n += len(idx)
    return tot / n


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


def count_macs(model, shape=(1, T, C)):
    """Multiply-accumulates for one inference on an input of `shape` (default [1,128,9]).

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
        model(torch.zeros(*shape))
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


# ---------------------------------------------------------------- quantization-aware fine-tuning
# QAT mimics harc's int8 scheme (docs/quantization.md, TFLite-style) so that the float weights
# learn to tolerate it; the exported ONNX stays a plain float model (no fake-quant ops):
#   * weights: symmetric per output channel, [-127, 127], on the BN-folded Conv weight
#     (BN running statistics frozen, gamma/beta trained through the fold) and on Linear;
#   * activations: asymmetric per tensor, [-128, 127], range extended to contain 0, from an EMA
#     min/max observer (initialised by a min/max pass over zoo/data/calib_X.npy, frozen for the
#     last epochs), at every tensor harc quantizes: Conv output (after ReLU when fused, else
#     before the activation), HardSwish, HardSigmoid, the SE Mul, residual Add, global average
#     pool / mean, Linear output;
#   * graph input: per channel (last axis), asymmetric, fixed min/max of calib_X (harc folds the
#     in-graph normalisation into the first Conv and quantizes the raw input per channel).
def _asym_qparams(lo, hi, qmin=-128, qmax=127):
    lo = torch.clamp(lo, max=0.0)
    hi = torch.clamp(hi, min=0.0)
    scale = torch.clamp((hi - lo) / (qmax - qmin), min=1e-8)
    zp = torch.clamp(torch.round(qmin - lo / scale), qmin, qmax).to(torch.int32)
    return scale.float(), zp


class ActFakeQuant(nn.Module):
    """Per-tensor asymmetric int8 fake quantization with an EMA min/max observer."""

    def __init__(self, momentum=0.01):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("lo", torch.tensor(0.0))
        self.register_buffer("hi", torch.tensor(0.0))
        self.initialized = False
        self.mode = "calib"  # "calib": running min/max, no quantization; "ema": observe + quantize; "frozen"; "off": identity

    def forward(self, x):
        if self.mode in ("calib", "ema"):
            with torch.no_grad():
                lo, hi = x.detach().min(), x.detach().max()
                if not self.initialized or self.mode == "calib":
                    if self.initialized:
                        lo, hi = torch.minimum(lo, self.lo), torch.maximum(hi, self.hi)
                    self.lo.copy_(lo)
                    self.hi.copy_(hi)
                    self.initialized = True
                else:
                    self.lo.mul_(1 - self.momentum).add_(self.momentum * lo)
                    self.hi.mul_(1 - self.momentum).add_(self.momentum * hi)
        if self.mode in ("calib", "off"):
            return x
        scale, zp = _asym_qparams(self.lo, self.hi)
        return torch.fake_quantize_per_tensor_affine(x, scale, zp, -128, 127)


# Sub-byte weights (harc docs/subbyte.md): symmetric per output channel, z = 0, int4 in [-7, 7],
# int2 in [-1, 1]. The scale of each channel is the MSE-optimal clip of its range (the same search
# as harc's post-training src/passes/subbyte-ptq.ts: half range a·max|w| for a = 1.00, 0.99, ...,
# 0.05, ties to the larger range), recomputed each step without gradient; rounding has the
# straight-through gradient. The exported weights are snapped onto this grid (`snapped_copy`), so
# harc's grid detection finds them and quantizes them exactly.
_SHRINK = torch.tensor([1 - i * 0.01 for i in range(96)])


def _qmax(bits):
    return 2 ** (bits - 1) - 1


@torch.no_grad()
def _weight_scale(w, bits):
    """Per-output-channel scale: max-abs at 8 bits (TFLite, as harc), MSE-optimal clip below."""
    qmax = _qmax(bits)
    w2 = w.detach().reshape(w.shape[0], -1).float()
    amax = w2.abs().max(1).values
    if bits == 8:
        return torch.clamp(amax / qmax, min=1e-12)
    s = (amax[None, :] * _SHRINK[:, None]) / qmax                        # [A, C]
    ss = torch.clamp(s, min=1e-12)[..., None]
    err = ((torch.clamp(torch.round(w2[None] / ss), -qmax, qmax) * ss - w2[None]) ** 2).sum(2)
    best = err.argmin(0)  # first minimum: the larger range wins ties
    return torch.clamp(s[best, torch.arange(w2.shape[0])], min=1e-12)


def _fq_weight(w, bits=8):
    """Symmetric per-output-channel fake quantization to [-qmax, qmax], z = 0."""
    qmax = _qmax(bits)
    zp = torch.zeros(w.shape[0], dtype=torch.int32)
    return torch.fake_quantize_per_channel_affine(w, _weight_scale(w, bits), zp, 0, -qmax, qmax)


def weighted_layers(model):
    """The weighted modules (Conv1d, LSTM, Linear) in forward order: harc's weighted layers."""
    return [m for m in model.modules() if isinstance(m, (nn.Conv1d, nn.LSTM, nn.Linear))]


class QATWrapper(nn.Module):
    """Fake-quantized forward of a zoo model (MobileNet1D, HarCNN; MicroBiConvLSTM with sub-byte
    weights) sharing the float model's parameters. Only the forward differs; the wrapped model
    itself is unchanged (int8 QAT exports it as is, sub-byte QAT exports `snapped_copy`).

    `layer_bits`: weight bits per weighted module (default 8 everywhere). With `fold_input` the
    first Conv's weights are fake-quantized as harc quantizes them: after the in-graph
    normalisation (1/std) and the raw input's per-channel scales are folded into their columns."""

    def __init__(self, model, calib_X, layer_bits=None, fold_input=False):
        super().__init__()
        from models import MobileNet1D, HarCNN, MicroBiConvLSTM
        kinds = (HarCNN, MicroBiConvLSTM, MobileNet1D) if layer_bits else (MobileNet1D, HarCNN)
        if not isinstance(model, kinds):
            raise SystemExit(f"--qat-epochs: QAT is implemented for {', '.join(k.__name__ for k in kinds)}, "
                             f"not {type(model).__name__}")
        self.model = model
        self.fqs = nn.ModuleDict()
        lo = torch.clamp(torch.from_numpy(calib_X).reshape(-1, C).min(0).values, max=0.0)
        hi = torch.clamp(torch.from_numpy(calib_X).reshape(-1, C).max(0).values, min=0.0)
        self.in_scale, self.in_zp = _asym_qparams(lo, hi)
        self.layer_bits = dict(layer_bits or {})
        first = weighted_layers(model)[0]
        # the factor harc's first-layer weights carry per input channel: s_in[c] / std[c]
        self.in_fold = (first, self.in_scale / model.norm.std) if fold_input else None

    def bits(self, module):
        return self.layer_bits.get(module, 8)

    def fq_conv_weight(self, conv, w):
        """The weight `conv` computes with: fake-quantized on the grid harc will find."""
        if self.in_fold is not None and self.in_fold[0] is conv:
            f = self.in_fold[1].reshape(1, -1, 1)
            return _fq_weight(w * f, self.bits(conv)) / f
        return _fq_weight(w, self.bits(conv))

    def set_mode(self, mode):
        for fq in self.fqs.values():
            fq.mode = mode

    def fq(self, key, x):
        key = key.replace(".", "_")
        if key not in self.fqs:
            self.fqs[key] = ActFakeQuant()
        return self.fqs[key](x)

    def conv(self, conv, bn, x):
        w, b = fold_bn(conv, bn)
        return nn.functional.conv1d(x, self.fq_conv_weight(conv, w), b, conv.stride, conv.padding, conv.dilation, conv.groups)

    def seq(self, mods, x, key):
        mods = list(mods)
        i = 0
        while i < len(mods):
            m = mods[i]
            if isinstance(m, nn.Sequential):
                x = self.seq(m, x, f"{key}.{i}")
            elif isinstance(m, nn.Conv1d):
                bn = mods[i + 1] if i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm1d) else None
                j = i + (2 if bn is not None else 1)
                act = mods[j] if j < len(mods) and isinstance(mods[j], (nn.ReLU, nn.Hardswish)) else None
                x = self.conv(m, bn, x)
                if isinstance(act, nn.ReLU):  # ReLU fused into the Conv
                    x = self.fq(f"{key}.{i}.conv_relu", torch.relu(x))
                else:
                    x = self.fq(f"{key}.{i}.conv", x)
                    if act is not None:
                        x = self.fq(f"{key}.{i}.hardswish", nn.functional.hardswish(x))
                i = j + (1 if act is not None else 0)
                continue
            elif isinstance(m, nn.MaxPool1d):
                x = m(x)  # output parameters = input
            elif type(m).__name__ == "SqueezeExcite1d":
                s = self.fq(f"{key}.{i}.pool", x.mean(dim=2, keepdim=True))
                s = self.fq(f"{key}.{i}.fc1_relu", torch.relu(self.conv(m.fc1, None, s)))
                s = self.fq(f"{key}.{i}.fc2", self.conv(m.fc2, None, s))
                s = self.fq(f"{key}.{i}.hardsigmoid", nn.functional.hardsigmoid(s))
                x = self.fq(f"{key}.{i}.mul", x * s)
            elif type(m).__name__ == "InvertedResidual1d":
                y = self.seq(m.block, x, f"{key}.{i}")
                x = self.fq(f"{key}.{i}.add", x + y) if m.use_res else y
            else:
                raise SystemExit(f"QAT: unsupported module {type(m).__name__} at {key}.{i}")
            i += 1
        return x

    def forward(self, x):  # x: raw [N, T, C]
        m = self.model
        x = torch.fake_quantize_per_channel_affine(x, self.in_scale, self.in_zp, 2, -128, 127)
        x = m.norm(x).transpose(1, 2)
        if hasattr(m, "stem"):  # MobileNet1D
            x = self.seq([m.stem, m.blocks, m.head], x, "net")
            x = self.fq("pool", x.mean(dim=2))
        elif hasattr(m, "lstm"):  # MicroBiConvLSTM
            x = self.seq(m.conv, x, "conv").transpose(1, 2)
            x = self.fq("pool", self.lstm(m.lstm, x).mean(dim=1))
        else:  # HarCNN
            x = self.seq(m.features, x, "features")
            x = self.fq("pool", x.mean(dim=2))
        fc = m.fc
        return self.fq("fc", nn.functional.linear(x, _fq_weight(fc.weight, self.bits(fc)), fc.bias))

    def lstm(self, lstm, x):
        """LSTM with W and R fake-quantized per gate row and direction (harc's recurrent scheme,
        src/passes/quantize-recurrent.ts); the hidden-state output Y is one int8 tensor. The gates
        and the int16 cell state are not simulated."""
        bits = self.bits(lstm)
        ws = [_fq_weight(p, bits) if n.startswith("weight") else p
              for n, p in zip(lstm._flat_weights_names, lstm._flat_weights)]
        D = 2 if lstm.bidirectional else 1
        h0 = torch.zeros(D * lstm.num_layers, x.shape[0], lstm.hidden_size)
        y = torch._VF.lstm(x, (h0, h0), ws, lstm.bias, lstm.num_layers, 0.0, False, lstm.bidirectional, True)[0]
        return self.fq("lstm", y)


def fold_bn(conv, bn):
    """Conv weight and bias with the following BatchNorm (running statistics) folded in."""
    w, b = conv.weight, conv.bias
    if bn is not None:
        k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        w = w * k.reshape(-1, 1, 1)
        b = bn.bias - bn.running_mean * k + (b * k if b is not None else 0)
    return w, b


@torch.no_grad()
def snapped_copy(q):
    """The model to export after sub-byte QAT: BatchNorm folded into its Conv and every weight
    replaced by its fake-quantized value, so that each output channel (gate row) lies exactly on
    the grid harc's grid detection finds (docs/subbyte.md); the graph has the same ONNX ops."""
    import copy
    model = q.model
    dep = copy.deepcopy(model).eval()
    orig = dict(model.named_modules())
    snapped = set()
    for name, seq in list(dep.named_modules()):
        if not isinstance(seq, nn.Sequential):
            continue
        kids = list(seq)
        for i, conv in enumerate(kids):
            if not isinstance(conv, nn.Conv1d):
                continue
            oseq = orig[name]
            bn = oseq[i + 1] if i + 1 < len(kids) and isinstance(oseq[i + 1], nn.BatchNorm1d) else None
            w, b = fold_bn(oseq[i], bn)
            conv.weight.copy_(q.fq_conv_weight(oseq[i], w))
            snapped.add(f"{name}.{i}" if name else str(i))
            conv.bias = nn.Parameter(b.detach().clone() if b is not None else torch.zeros(conv.out_channels))
            if bn is not None:
                seq[i + 1] = nn.Identity()
    for name, mod in dep.named_modules():
        src = orig[name]
        if isinstance(mod, nn.Conv1d) and name not in snapped:  # not in a Sequential: the SE convs
            mod.weight.copy_(q.fq_conv_weight(src, src.weight))
        elif isinstance(mod, nn.LSTM):
            for n in mod._flat_weights_names:
                if n.startswith("weight"):
                    getattr(mod, n).copy_(_fq_weight(getattr(src, n), q.bits(src)))
        elif isinstance(mod, nn.Linear):
            mod.weight.copy_(_fq_weight(src.weight, q.bits(src)))
    return dep


def qat_layer_bits(model, bits, edge_bits):
    """Weight bits per weighted module: `bits`, the first and last weighted layer `edge_bits`."""
    layers = weighted_layers(model)
    out = {m: bits for m in layers}
    out[layers[0]] = out[layers[-1]] = edge_bits
    return out


def qat_finetune(name, model, args, Xtr, ytr, noise_std, gen):
    """Fine-tune `model` (float weights, in place) with fake quantization; returns seconds."""
    # own generator: the result does not depend on whether the float weights were trained or loaded
    gen = torch.Generator().manual_seed(args.seed + 1)
    calib = np.load(os.path.join(HERE, "data", "calib_X.npy"))
    if args.qat_bits < 8:
        q = QATWrapper(model, calib, qat_layer_bits(model, args.qat_bits, args.qat_edge_bits), fold_input=True)
    else:
        q = QATWrapper(model, calib)
    model.eval()  # BN uses (frozen) running statistics: they are folded into the conv
    with torch.no_grad():  # initialise every observer with min/max over the calibration windows
        q.set_mode("calib")
        for i in range(0, len(calib), 64):
            q(torch.from_numpy(calib[i:i + 64]))
    q.set_mode("ema")
    epochs, batch = args.qat_epochs, MODELS[name]["batch"]
    freeze_at = epochs - max(1, args.qat_freeze_epochs) if epochs > 1 else 0
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=args.qat_lr)
    steps_per_epoch = (len(Xtr) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    lossf = nn.CrossEntropyLoss(label_smoothing=0.05)
    Xtr_t = torch.from_numpy(Xtr)
    ytr_t = torch.from_numpy(ytr.astype(np.int64))
    t0 = time.time()
    print(f"[{name}] QAT: {args.qat_bits}-bit weights, {epochs} epochs, lr {args.qat_lr} cosine, observers frozen from epoch {freeze_at + 1}, "
          f"{len(q.fqs)} activation fake-quant points + per-channel input", flush=True)
    for ep in range(epochs):
        if ep == freeze_at:
            q.set_mode("frozen")
        perm = torch.randperm(len(Xtr), generator=gen)
        tot, n = 0.0, 0
        for i in range(0, len(Xtr), batch):
            idx = perm[i:i + batch]
            xb = augment(Xtr_t[idx], gen, noise_std)
            yb = ytr_t[idx]
            opt.zero_grad()
            loss = lossf(q(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
            n += len(idx)
        print(f"[{name}] QAT epoch {ep + 1}/{epochs} loss {tot / n:.4f}  ({time.time() - t0:.0f}s)", flush=True)
    q.set_mode("frozen")
    return q, time.time() - t0


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

    mdir = os.path.join(HERE, "models")
    float_pt = os.path.join(mdir, f"{name}.float.pt")
    from_float_pt = args.qat_epochs > 0 and os.path.exists(float_pt)
    if from_float_pt:
        # QAT starts from the float weights of the plain recipe (written by an earlier --qat-epochs
        # run, or a copy of <name>.pt from a run without QAT); skip the float training.
        model.load_state_dict(torch.load(float_pt))
        print(f"[{name}] loaded float weights from {os.path.relpath(float_pt, HERE)}; skipping float training",
              flush=True)
    t0 = time.time()
    for ep in range(epochs if not from_float_pt else 0):
        loss = train_epoch(model, Xtr_t, ytr_t, batch, gen, noise_std, opt, sched, lambda m, xb, yb: lossf(m(xb), yb))
        msg = f"[{name}] epoch {ep + 1}/{epochs} loss {loss:.4f}"
        if len(Xva):
            pv = predict_logits(model, Xva).argmax(1)
            msg += f" val acc {accuracy(yva, pv):.4f} val F1 {macro_f1(yva, pv):.4f}"
        print(msg + f"  ({time.time() - t0:.0f}s)", flush=True)

    # No checkpoint selection: the final epoch (end of the one-cycle schedule) is exported.
    model.eval()
    train_time = time.time() - t0
    os.makedirs(mdir, exist_ok=True)
    if from_float_pt:
        train_time = previous_manifest_entry(name).get("trainSeconds", 0)
    qat_time, qat_info = None, None
    export = model
    if args.qat_epochs > 0:
        if not from_float_pt:
            torch.save(model.state_dict(), float_pt)
        pt = predict_logits(model, Xte).argmax(1)
        float_before = (accuracy(yte, pt), macro_f1(yte, pt))
        print(f"[{name}] TEST (float, before QAT) acc {float_before[0]:.4f} macro-F1 {float_before[1]:.4f}", flush=True)
        q, qat_time = qat_finetune(name, model, args, Xtr, ytr, noise_std, gen)
        pq = predict_logits(q, Xte).argmax(1)
        fq_scores = (accuracy(yte, pq), macro_f1(yte, pq))
        print(f"[{name}] TEST (fake-quant forward) acc {fq_scores[0]:.4f} macro-F1 {fq_scores[1]:.4f}", flush=True)
        qat_info = dict(before=float_before, fakequant=fq_scores)
        model.eval()
        if args.qat_bits < 8:
            export = snapped_copy(q)
        if len(Xva):  # --val: what QAT settings (epochs, lr) are chosen on, never the test split
            for what, m in (("fake-quant forward", q), ("exported", export)):
                pv = predict_logits(m, Xva).argmax(1)
                print(f"[{name}] VAL after QAT ({what}) acc {accuracy(yva, pv):.4f} macro-F1 {macro_f1(yva, pv):.4f}", flush=True)
    out = qat_model_name(name, args)
    pt = predict_logits(export, Xte).argmax(1)
    test_acc, test_f1 = accuracy(yte, pt), macro_f1(yte, pt)
    what = "" if export is model else f" (exported {out}: float activations, weights on their {args.qat_bits}-bit grids)"
    print(f"[{name}] TEST{what} acc {test_acc:.4f} macro-F1 {test_f1:.4f}",
          flush=True)
    print(confusion(yte, pt))

    # ---- export
    torch.save(model.state_dict(), os.path.join(mdir, f"{out}.pt"))
    onnx_path = os.path.join(mdir, f"{out}.onnx")
    export_onnx(export, onnx_path)
    ops = onnx_ops(onnx_path)
    print(f"[{name}] ONNX ops: {ops}", flush=True)

    # ---- subset reference (for zoo/check_onnx.mjs)
    Xs, ys = load_subset(os.path.join(HERE, "data"))
    ls = predict_logits(export, Xs)
    ls.astype("<f4").tofile(os.path.join(mdir, f"{out}.subset_logits.f32"))  # not committed
    subset_acc = accuracy(ys, ls.argmax(1))

    cmd = ["/usr/bin/python3", "zoo/train.py", "--model", name]
    if args.epochs is not None:
        cmd += ["--epochs", str(args.epochs)]
    if args.val:
        cmd += ["--val"]
    if args.seed != SEED:
        cmd += ["--seed", str(args.seed)]
    if args.qat_epochs > 0:
        if args.qat_bits < 8:
            cmd += ["--qat-bits", str(args.qat_bits)]
            if args.qat_edge_bits != default_edge_bits(args.qat_bits):
                cmd += ["--qat-edge-bits", str(args.qat_edge_bits)]
        cmd += ["--qat-epochs", str(args.qat_epochs)]
        if args.qat_lr != default_qat_lr(args.qat_bits):
            cmd += ["--qat-lr", str(args.qat_lr)]
        if args.qat_freeze_epochs != QAT_FREEZE:
            cmd += ["--qat-freeze-epochs", str(args.qat_freeze_epochs)]
    entry = {
        "name": out,
        "file": f"models/{out}.onnx",
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
    if args.qat_bits < 8:
        freeze = min(max(1, args.qat_freeze_epochs), args.qat_epochs)
        add_subbyte_qat_entry(entry, name, args, qat_time, qat_info, freeze, onnx_path)
    elif args.qat_epochs > 0:
        freeze = min(max(1, args.qat_freeze_epochs), args.qat_epochs)
        entry["qatEpochs"] = args.qat_epochs
        entry["qatSeconds"] = round(qat_time)
        entry["floatTestMacroF1BeforeQAT"] = round(qat_info["before"][1], 4)
        entry["notes"] += (
            f" Quantization-aware fine-tuning (zoo/train.py --qat-epochs): after the {epochs} float epochs, "
            f"{args.qat_epochs} epochs of Adam at lr {args.qat_lr:g} (cosine to 0) through a fake-quantized "
            "forward mimicking harc's int8 scheme: BN folded into the conv (running statistics frozen), "
            "weights symmetric per output channel [-127, 127], activations asymmetric per tensor "
            "(EMA min/max observers initialised on zoo/data/calib_X.npy, frozen for the last "
            f"{freeze} epoch(s)) after each Conv (+fused ReLU), HardSwish, HardSigmoid, SE Mul, residual Add, "
            "average pool and the Linear, raw input per channel. The exported ONNX is the plain float model "
            f"(float test macro-F1 before QAT {100 * qat_info['before'][1]:.2f} %)."
        )
    update_manifest(entry)
    return entry


def default_edge_bits(bits):
    return 8 if bits == 2 else bits


def default_qat_lr(bits):
    return QAT_LR if bits == 8 else QAT_LR_SUBBYTE


def qat_model_name(name, args):
    """Sub-byte QAT models are new zoo entries (<name>-w4, <name>-w2) next to the float model."""
    return name if args.qat_bits == 8 or args.qat_epochs == 0 else f"{name}-w{args.qat_bits}"


def add_subbyte_qat_entry(entry, name, args, qat_time, qat_info, freeze, onnx_path):
    """Manifest fields of a sub-byte QAT model: the bits it was trained for and the harc flags
    that select them (layer names as in the ONNX file, which `--bits` matches)."""
    import onnx
    nodes = [n for n in onnx.load(onnx_path).graph.node if n.op_type in ("Conv", "Gemm", "MatMul", "LSTM", "GRU", "RNN")]
    first, last = nodes[0].name, nodes[-1].name
    bits, edge = args.qat_bits, args.qat_edge_bits
    flags = f"--weight-bits {bits}" + (f" --bits '{first}={edge},{last}={edge}'" if edge != bits else "")
    entry["baseModel"] = name
    entry["weightBits"] = {"default": bits, **({first: edge, last: edge} if edge != bits else {})}
    entry["harcWeightBitsFlags"] = flags
    entry["qatEpochs"] = args.qat_epochs
    entry["qatSeconds"] = round(qat_time)
    entry["baseFloatTestMacroF1"] = round(qat_info["before"][1], 4)
    entry["fakeQuantTestMacroF1"] = round(qat_info["fakequant"][1], 4)
    edge_note = (f" The first and last weighted layer ({first}, {last}) have {edge}-bit weights." if edge != bits else "")
    entry["notes"] += (
        f" {bits}-bit quantization-aware fine-tuning of {name} (zoo/train.py --qat-bits {bits}): "
        f"{args.qat_epochs} epochs of Adam at lr {args.qat_lr:g} (cosine to 0) from the float weights, through a "
        f"fake-quantized forward: weights symmetric per output channel (LSTM: per gate row and direction), "
        f"z = 0, in [-{_qmax(bits)}, {_qmax(bits)}] with the MSE-optimal clip per channel, the first Conv's "
        "weights quantized after the input normalisation and the raw input's per-channel scales are "
        "folded in (as harc does); BN folded (running statistics frozen); activations int8 per tensor "
        f"(EMA min/max observers from zoo/data/calib_X.npy, frozen for the last {freeze} epoch(s)).{edge_note} "
        "Exported with BN folded and every weight on its grid (floatTest* are this ONNX file's float scores, "
        f"weights already quantized); harc keeps the grid exactly: harc ... --precision int8 {flags}. "
        f"Float {name} before QAT: test macro-F1 {100 * qat_info['before'][1]:.2f} %."
    )


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


def previous_manifest_entry(name):
    path = os.path.join(HERE, "manifest.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return next((m for m in json.load(f)["models"] if m["name"] == name), {})


def update_manifest(entry):
    path = os.path.join(HERE, "manifest.json")
    data = {"description": "harc HAR model zoo; float32 models trained on UCI-HAR-style windows "
                           "(see zoo/README.md). Accuracy/F1 are on the full test split (2996 windows).",
            "models": []}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    models = [m for m in data["models"] if m["name"] != entry["name"]] + [entry]
    order = lambda n: ORDER.index(n) if n in ORDER else 99  # noqa: E731
    models.sort(key=lambda m: (order(m.get("baseModel", m["name"])), m["name"]))
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
    ap.add_argument("--qat-epochs", type=int, default=0,
                    help="quantization-aware fine-tuning epochs after float training (default 0: off). "
                         "Starts from models/<name>.float.pt when present, else trains the float model first "
                         "and saves it there")
    ap.add_argument("--qat-lr", type=float, default=None,
                    help=f"QAT learning rate, cosine-annealed (default {QAT_LR}; with --qat-bits 4 or 2: {QAT_LR_SUBBYTE})")
    ap.add_argument("--qat-bits", type=int, choices=[8, 4, 2], default=8,
                    help="weight bits QAT simulates (default 8). 4 or 2: sub-byte weights as harc --weight-bits "
                         "quantizes them (activations stay int8), exported snapped to their grid as "
                         "models/<name>-w<bits>.onnx, a new zoo entry; har-cnn and microbi-convlstm")
    ap.add_argument("--qat-edge-bits", type=int, choices=[8, 4, 2], default=None,
                    help="weight bits of the first and last weighted layer (default: 8 with --qat-bits 2, "
                         "else --qat-bits)")
    ap.add_argument("--qat-freeze-epochs", type=int, default=QAT_FREEZE,
                    help=f"freeze the activation observers for the last N QAT epochs (default {QAT_FREEZE})")
    args = ap.parse_args()
    if args.qat_lr is None:
        args.qat_lr = default_qat_lr(args.qat_bits)
    if args.qat_edge_bits is None:
        args.qat_edge_bits = default_edge_bits(args.qat_bits)
    if args.qat_bits < 8 and args.qat_epochs <= 0:
        ap.error("--qat-bits 4|2 needs --qat-epochs N > 0")
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
