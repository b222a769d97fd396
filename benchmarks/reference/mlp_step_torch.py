#!/usr/bin/env python3
"""PyTorch reference for MLNetMixture's MLP training-step benchmark.

Same model and step as benchmarks/MLNetMixture.Benchmarks (MlpTrainingHarness): a 43-128-128-43 ReLU MLP,
batch 512, mean squared error, Adam(lr=1e-3); one step is zero_grad + forward + backward + optimizer step.
Prints samples/s (best and median over repeats) per thread count.

PyTorch's best CPU settings are used: torch.set_flush_denormal(True), torch.set_num_threads(n), and for
n > 1 OpenMP threads that sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE). Debian's torch runs its
matrix products in OpenBLAS (pthread build), whose own thread pool ignores torch.set_num_threads and spins,
so OPENBLAS_NUM_THREADS=n is set as well (without it one "single-threaded" run was 10x slower on a busy
machine). Environment variables must be set before torch is imported, so each thread count runs in a
fresh process.

    /usr/bin/python3 benchmarks/reference/mlp_step_torch.py                  # 1 and 2 threads
    /usr/bin/python3 benchmarks/reference/mlp_step_torch.py --threads 1 --seconds 2 --repeats 5
"""
import argparse
import os
import subprocess
import sys
import time

import reference_env


def run(threads: int, seconds: float, repeats: int, batch: int) -> None:
    import torch

    torch.set_num_threads(threads)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    reference_env.describe(threads=threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(1)
    width, hidden = 43, 128
    model = torch.nn.Sequential(
        torch.nn.Linear(width, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, width))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(batch, width)
    y = x @ (torch.randn(width, width) / width ** 0.5) + 0.1 * torch.randn(batch, width)
    loss_fn = torch.nn.MSELoss()

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(50):
        step()
    rates = []
    for _ in range(repeats):
        steps = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            step()
            steps += 1
        rates.append(steps * batch / (time.perf_counter() - start))
    rates.sort()
    print(f"torch {torch.__version__} threads={threads} OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '-')} "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '-')}: "
          f"samples/s best {rates[-1]:.0f}, median {rates[len(rates) // 2]:.0f}  "
          f"(repeats: {', '.join(f'{r:.0f}' for r in rates)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=0, help="one thread count; 0 runs 1 and 2 in child processes")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args()
    reference_env.prepare()
    if args.threads > 0:
        run(args.threads, args.seconds, args.repeats, args.batch)
        return
    print(f"PyTorch MLP 43-128-128-43 ReLU, batch {args.batch}, MSE, Adam(lr=1e-3): forward+backward+step", flush=True)
    for threads in (1, 2):
        env = dict(os.environ)
        env["OPENBLAS_NUM_THREADS"] = str(threads)
        if threads > 1:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        subprocess.run([sys.executable, __file__, "--threads", str(threads), "--seconds", str(args.seconds),
                        "--repeats", str(args.repeats), "--batch", str(args.batch)], env=env, check=True)


if __name__ == "__main__":
    main()
