# The PyTorch side of MlpTrainingBenchmark: the same MLP 784-512-256-10, batch 256, SGD with
# momentum 0.9, cross-entropy from logits, synthetic data. Prints the torch version and the BLAS
# it was built with, then the median seconds per training step.
#   python3 mlp_torch.py <threads> <steps-per-run> <runs>
import statistics
import sys
import time

import torch

threads, steps, runs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(784, 512), torch.nn.ReLU(),
    torch.nn.Linear(512, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = torch.nn.CrossEntropyLoss()
x = torch.randn(256, 784)
y = torch.arange(256) % 10


def run():
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()


run()
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    run()
    times.append((time.perf_counter() - t0) / steps)
blas = [part.split("=")[1] for part in torch.__config__.show().replace(",", " ").split()
        if part.startswith("BLAS_INFO=")]
print(torch.__version__ + " (BLAS " + (blas[0] if blas else "unknown") + ")")
print(statistics.median(times))
