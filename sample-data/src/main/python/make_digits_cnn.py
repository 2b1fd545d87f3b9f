#!/usr/bin/env python3
"""Makes digits-0to4-cnn.onnx: a small CNN trained with PyTorch on the digits 0 to 4 of the UCI
digits (digits.csv.gz beside it), exported to ONNX, for the transfer-learning example and tests
(they import it, freeze its convolutional base and train a new head on Spark data).

Input (batch, 1, 8, 8): the pixels 0..16 divided by 16, row by row; output (batch, 5): logits of
the digits 0 to 4. The first 80 % of each class's rows (in the file's order) train it; it prints
its accuracy on the rest.

Regenerate (Debian's PyTorch; the `onnx` Python package is not needed):

    apt-get install python3-torch
    /usr/bin/python3 sample-data/src/main/python/make_digits_cnn.py \
        sample-data/src/main/resources/dev/orca/sampledata

The file is deterministic for a given PyTorch version (1.13 wrote the committed one).
"""
import gzip
import os
import sys

import numpy as np
import torch
from torch import nn

OPSET = 13


class DigitsCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten())
        self.classifier = nn.Sequential(nn.Linear(32 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 5))

    def forward(self, x):
        return self.classifier(self.features(x))


def load(folder):
    with gzip.open(os.path.join(folder, "digits.csv.gz"), "rt") as f:
        rows = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x = rows[:, :64].reshape(-1, 1, 8, 8) / 16.0
    y = rows[:, 64].astype(np.int64)
    train, test = [], []
    for c in range(5):
        idx = np.flatnonzero(y == c)
        cut = int(round(len(idx) * 0.8))
        train.extend(idx[:cut])
        test.extend(idx[cut:])
    return (torch.from_numpy(x[train]), torch.from_numpy(y[train]),
            torch.from_numpy(x[test]), torch.from_numpy(y[test]))


def main(folder):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y, tx, ty = load(folder)
    model = DigitsCnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss = nn.CrossEntropyLoss()
    order = torch.Generator().manual_seed(0)
    for epoch in range(20):
        model.train()
        perm = torch.randperm(len(x), generator=order)
        for start in range(0, len(x), 32):
            batch = perm[start:start + 32]
            optimizer.zero_grad()
            loss(model(x[batch]), y[batch]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(tx).argmax(1) == ty).float().mean().item()
    print(f"digits 0-4, held out: accuracy {accuracy:.4f} on {len(tx)} rows")
    path = os.path.join(folder, "digits-0to4-cnn.onnx")
    # PRESERVE (the model is in eval mode) keeps BatchNormalization apart instead of folding it
    # into the convolution, so the base has running statistics to keep while frozen
    torch.onnx.export(model, tx[:1], path, opset_version=OPSET,
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      input_names=["pixels"], output_names=["logits"],
                      dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}})
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sample-data/src/main/resources/dev/orca/sampledata")
