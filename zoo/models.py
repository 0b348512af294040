"""Model definitions for the harc HAR model zoo.

Every model takes a raw window shaped [N, T=128, C=9] (float32, NTC) and returns
logits [N, 6] (no softmax). The first thing each forward does is per-channel
input normalisation ``(x - mean) / std`` with mean/std stored as buffers (taken
from the training split statistics in meta.json), so exported ONNX graphs begin
with Sub + Div that harc can fold into the first layer.
"""
import torch
import torch.nn as nn

NUM_CLASSES = 6
T = 128
C = 9


class InputNorm(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):  # x: [N, T, C]
        return (x - self.mean) / self.std


def conv_bn_relu(cin, cout, k, stride=1, padding=None):
    if padding is None:
        padding = k // 2
    return nn.Sequential(
        nn.Conv1d(cin, cout, k, stride=stride, padding=padding, bias=False),
        nn.BatchNorm1d(cout),
        nn.ReLU(inplace=True),
    )


# --------------------------------------------------------------------------
# har-cnn: compact 1D CNN (Daghero et al. 2022 style)
# --------------------------------------------------------------------------
class HarCNN(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.norm = InputNorm(mean, std)
        self.features = nn.Sequential(
            conv_bn_relu(C, 24, 5), nn.MaxPool1d(2),   # 128 -> 64
            conv_bn_relu(24, 48, 5), nn.MaxPool1d(2),  # 64 -> 32
            conv_bn_relu(48, 64, 3),                   # 32
        )
        self.fc = nn.Linear(64, NUM_CLASSES)

    def forward(self, x):
        x = self.norm(x).transpose(1, 2)  # NCW
        x = self.features(x)
        x = x.mean(dim=2)  # global average pool
        return self.fc(x)


# --------------------------------------------------------------------------
# microbi-convlstm: 2 conv stages (4x temporal pooling) + 1 BiLSTM (~10K params)
# --------------------------------------------------------------------------
class MicroBiConvLSTM(nn.Module):
    def __init__(self, mean, std, c1=16, c2=24, hidden=20):
        super().__init__()
        self.norm = InputNorm(mean, std)
        self.conv = nn.Sequential(
            conv_bn_relu(C, c1, 5), nn.MaxPool1d(2),   # 128 -> 64
            conv_bn_relu(c1, c2, 5), nn.MaxPool1d(2),  # 64 -> 32
        )
        self.lstm = nn.LSTM(c2, hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, NUM_CLASSES)

    def forward(self, x):
        x = self.norm(x).transpose(1, 2)
        x = self.conv(x)           # [N, c2, 32]
        x = x.transpose(1, 2)      # [N, 32, c2]
        y, _ = self.lstm(x)        # [N, 32, 2H]
        return self.fc(y.mean(dim=1))


# --------------------------------------------------------------------------
# Sequence models from "Sequence models in TinyML" style: stacked RNNs
# --------------------------------------------------------------------------
class StackedRNN(nn.Module):
    def __init__(self, mean, std, cell, sizes, channels=C, classes=NUM_CLASSES):
        super().__init__()
        self.norm = InputNorm(mean, std)
        layers = []
        cin = channels
        for h in sizes:
            if cell == "lstm":
                layers.append(nn.LSTM(cin, h, batch_first=True))
            elif cell == "gru":
                layers.append(nn.GRU(cin, h, batch_first=True))
            elif cell == "rnn":
                layers.append(nn.RNN(cin, h, nonlinearity="tanh", batch_first=True))
            else:
                raise ValueError(cell)
            cin = h
        self.rnns = nn.ModuleList(layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.norm(x)  # stays NTC (batch_first)
        for rnn in self.rnns:
            x, _ = rnn(x)
        return self.fc(x[:, -1, :])


# --------------------------------------------------------------------------
# mobilenet-1d: MobileNetV3-style 1D student
# --------------------------------------------------------------------------
class SqueezeExcite1d(nn.Module):
    def __init__(self, ch, reduce=4):
        super().__init__()
        mid = max(4, ch // reduce)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc1 = nn.Conv1d(ch, mid, 1)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv1d(mid, ch, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        s = self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))
        return x * s


class InvertedResidual1d(nn.Module):
    def __init__(self, cin, cexp, cout, k, stride, se, act):
        super().__init__()
        Act = nn.Hardswish if act == "hs" else nn.ReLU
        self.use_res = stride == 1 and cin == cout
        layers = []
        if cexp != cin:
            layers += [nn.Conv1d(cin, cexp, 1, bias=False), nn.BatchNorm1d(cexp), Act()]
        layers += [
            nn.Conv1d(cexp, cexp, k, stride=stride, padding=k // 2, groups=cexp, bias=False),
            nn.BatchNorm1d(cexp),
            Act(),
        ]
        if se:
            layers.append(SqueezeExcite1d(cexp))
        layers += [nn.Conv1d(cexp, cout, 1, bias=False), nn.BatchNorm1d(cout)]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_res else y


class MobileNet1D(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.norm = InputNorm(mean, std)
        self.stem = nn.Sequential(
            nn.Conv1d(C, 16, 5, stride=2, padding=2, bias=False),  # 128 -> 64
            nn.BatchNorm1d(16),
            nn.Hardswish(),
        )
        self.blocks = nn.Sequential(
            InvertedResidual1d(16, 32, 16, 5, 1, se=True, act="relu"),
            InvertedResidual1d(16, 48, 24, 5, 2, se=True, act="hs"),   # 64 -> 32
            InvertedResidual1d(24, 72, 24, 5, 1, se=True, act="hs"),
            InvertedResidual1d(24, 96, 32, 5, 2, se=True, act="hs"),   # 32 -> 16
        )
        self.head = nn.Sequential(
            nn.Conv1d(32, 64, 1, bias=False), nn.BatchNorm1d(64), nn.Hardswish(),
        )
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(64, NUM_CLASSES)

    def forward(self, x):
        x = self.norm(x).transpose(1, 2)
        x = self.head(self.blocks(self.stem(x)))
        x = self.pool(x).flatten(1)
        return self.fc(x)


# --------------------------------------------------------------------------
# deepconvlstm: Ordonez & Roggen 2016, reduced to 32 filters / LSTM 64
# --------------------------------------------------------------------------
class DeepConvLSTM(nn.Module):
    def __init__(self, mean, std, filters=32, hidden=64):
        super().__init__()
        self.norm = InputNorm(mean, std)
        layers = []
        cin = C
        for _ in range(4):
            layers += [nn.Conv1d(cin, filters, 5), nn.ReLU(inplace=True)]  # valid conv
            cin = filters
        self.conv = nn.Sequential(*layers)  # 128 -> 112
        self.lstm = nn.LSTM(filters, hidden, num_layers=2, batch_first=True, dropout=0.5)
        self.fc = nn.Linear(hidden, NUM_CLASSES)

    def forward(self, x):
        x = self.norm(x).transpose(1, 2)
        x = self.conv(x).transpose(1, 2)  # [N, 112, F]
        y, _ = self.lstm(x)
        return self.fc(y[:, -1, :])


# name -> (constructor, training hyper-parameters)
MODELS = {
    "har-cnn": dict(build=HarCNN, epochs=40, lr=2e-3, batch=64,
                    notes="3x(Conv1d+BN+ReLU) with 2 MaxPool1d, global average pool (mean over time), Linear."),
    "microbi-convlstm": dict(build=MicroBiConvLSTM, epochs=40, lr=3e-3, batch=64,
                             notes="Conv1d(9->16,k5)+BN+ReLU+MaxPool2, Conv1d(16->24,k5)+BN+ReLU+MaxPool2 (4x pooling), "
                                   "BiLSTM(24->2x20) over 32 steps, mean over time, Linear."),
    "mobilenet-1d": dict(build=MobileNet1D, epochs=40, lr=2e-3, batch=64,
                         notes="MobileNetV3-style: stem conv s2 + Hardswish, 4 inverted residual blocks "
                               "(depthwise k5, squeeze-excitation with Hardsigmoid gate, residual Add where shapes match), "
                               "1x1 head conv, AdaptiveAvgPool1d, Linear."),
    "deepconvlstm": dict(build=DeepConvLSTM, epochs=10, lr=1e-3, batch=64,
                         notes="Ordonez & Roggen 2016 reduced: 4x Conv1d(k5, 32 filters, valid)+ReLU, "
                               "2-layer LSTM(64) (dropout 0.5 between layers in training), last step, Linear."),
    "seq-lstm": dict(build=lambda m, s: StackedRNN(m, s, "lstm", [128, 64, 32]), epochs=4, lr=2e-3, batch=64,
                     notes="Stacked LSTM 128-64-32 (three separate single-layer LSTMs), last time step, Linear."),
    "seq-gru": dict(build=lambda m, s: StackedRNN(m, s, "gru", [128, 64, 32]), epochs=5, lr=2e-3, batch=64,
                    notes="Stacked GRU 128-64-32 (three separate single-layer GRUs), last time step, Linear."),
    "seq-rnn": dict(build=lambda m, s: StackedRNN(m, s, "rnn", [256, 128, 64]), epochs=4, lr=1e-3, batch=64,
                    notes="Stacked SimpleRNN (nn.RNN tanh) 256-128-64, last time step, Linear."),
}

ORDER = ["har-cnn", "microbi-convlstm", "mobilenet-1d", "deepconvlstm", "seq-gru", "seq-lstm", "seq-rnn"]
