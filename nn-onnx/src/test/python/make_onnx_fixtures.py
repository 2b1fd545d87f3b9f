#!/usr/bin/env python3
"""Makes the ONNX models that OnnxRuntimeAgreementTest imports and checks against ONNX Runtime.

Each model is a small PyTorch network with seeded weights, exported with torch.onnx.export, plus
one input batch and PyTorch's output on it, as .npy files:

    <name>.onnx  <name>.input.npy  <name>.output.npy

Regenerate (Debian's PyTorch; the `onnx` Python package is not needed):

    apt-get install python3-torch
    /usr/bin/python3 nn-onnx/src/test/python/make_onnx_fixtures.py \
        nn-onnx/src/test/resources/dev/orca/nn/onnx/fixtures

The files are deterministic for a given PyTorch version (1.13 wrote the committed ones).
"""
import os
import sys

import numpy as np
import torch
from torch import nn

OPSET = 13
BATCH = 4


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(20, 32), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(32, 16), nn.LeakyReLU(0.1),
            nn.Linear(16, 16), nn.Sigmoid(),
            nn.Linear(16, 8), nn.Tanh(),
            nn.Linear(8, 4), nn.Softmax(dim=1))

    def forward(self, x):
        return self.body(x)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2))
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10),
            nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.head(self.features(x))


class ResidualCnn(nn.Module):
    # The exporter folds a BatchNorm that follows a Conv into the Conv's weights, so the batch
    # norms here follow a ReLU or the residual sum: they stay BatchNormalization nodes.
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(8))
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(8)
        self.down = nn.Conv2d(8, 12, 3, stride=2, padding=1, dilation=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, 5)

    def forward(self, x):
        x = self.stem(x)
        y = self.bn1(torch.relu(self.conv1(x)))
        y = self.conv2(y)
        x = torch.relu(self.bn2(x + y))
        x = torch.relu(self.down(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class LstmModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class GruModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(6, 12, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out[:, -1, :])


class EmbeddingModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(50, 8)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(6 * 8, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, ids):
        return self.body(self.embed(ids))


class Conv1dModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(4, 8, 3, stride=2, padding=2, dilation=2), nn.ReLU(),
            nn.MaxPool1d(2), nn.Conv1d(8, 6, 3, padding=1), nn.Tanh(),
            nn.Flatten(), nn.Linear(6 * 5, 3))

    def forward(self, x):
        return self.body(x)


def randomize_batch_norm(model, generator):
    """Running statistics that are not 0 and 1, so that inference really uses them."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.2)


def models(generator):
    def floats(*shape):
        return torch.randn(*shape, generator=generator)

    yield "mlp", Mlp(), floats(BATCH, 20)
    yield "lenet", LeNet(), floats(BATCH, 1, 28, 28)
    yield "residual_cnn", ResidualCnn(), floats(BATCH, 3, 16, 16)
    yield "lstm", LstmModel(), floats(BATCH, 10, 8)
    yield "gru", GruModel(), floats(BATCH, 7, 6)
    yield "embedding", EmbeddingModel(), torch.randint(0, 50, (BATCH, 6), generator=generator)
    yield "conv1d", Conv1dModel(), floats(BATCH, 4, 20)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(2)
    for name, model, x in models(generator):
        randomize_batch_norm(model, generator)
        model.eval()
        with torch.no_grad():
            y = model(x)
        path = os.path.join(out_dir, name + ".onnx")
        torch.onnx.export(model, (x,), path, opset_version=OPSET, input_names=["input"],
                          output_names=["output"], do_constant_folding=True)
        np.save(os.path.join(out_dir, name + ".input.npy"), x.numpy())
        np.save(os.path.join(out_dir, name + ".output.npy"), y.numpy().astype(np.float32))
        print(name, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fixtures")
