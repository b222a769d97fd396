#!/usr/bin/env python3
"""PyTorch reference for MLNetMixture's flow-speed benchmark (benchmarks/MLNetMixture.Benchmarks, FlowSpeedBenchmark).

The same affine-coupling flow: D = 43 features, 8 RealNVP layers, each transforming the last 22 features given
the first 21 with a 21-128-128-44 ReLU conditioner (last layer zero-initialised), log-scale soft-clamped as
3 * tanh(raw / 3), the feature order reversed between layers, a standard-normal base. Measured:
  * training samples/s: zero_grad + forward log-density + loss = -mean log p + backward + Adam(lr=1e-3) step,
    one fixed batch of 512 rows;
  * log-density rows/s: torch.no_grad() scoring of 65,536 rows in batches of 4,096.

PyTorch's best CPU settings are used: torch.set_flush_denormal(True), torch.set_num_threads(n), and for n > 1
OpenMP threads that sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE); Debian's torch runs its matrix
products in OpenBLAS, whose own pool ignores torch.set_num_threads, so OPENBLAS_NUM_THREADS=n is set too.
Environment variables must be set before torch is imported, so with several thread counts each runs in a fresh
process (one thread count runs in this one, OpenBLAS's pool set through openblas_set_num_threads).

With --json the last line of stdout is one JSON object (reference_env.result): the machine facts and, per thread
count, the best training samples/s and log-density rows/s; `mlmix bench flow --pytorch` runs this script so.

    /usr/bin/python3 benchmarks/reference/flow_torch.py                  # 1 and 2 threads
    /usr/bin/python3 benchmarks/reference/flow_torch.py --threads 1 --seconds 2 --repeats 5
    /usr/bin/python3 benchmarks/reference/flow_torch.py --threads 1,2 --json
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import reference_env

DIM, LAYERS, HIDDEN, SCALE_BOUND = 43, 8, 128, 3.0


def build(torch):
    class Coupling(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.half = DIM // 2
            out = DIM - self.half
            self.net = torch.nn.Sequential(
                torch.nn.Linear(self.half, HIDDEN), torch.nn.ReLU(),
                torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
                torch.nn.Linear(HIDDEN, 2 * out))
            torch.nn.init.zeros_(self.net[-1].weight)
            torch.nn.init.zeros_(self.net[-1].bias)

        def forward(self, x):
            a, b = x[:, :self.half], x[:, self.half:]
            h = self.net(a)
            m = b.shape[1]
            s = SCALE_BOUND * torch.tanh(h[:, :m] / SCALE_BOUND)
            y = b * torch.exp(s) + h[:, m:]
            return torch.cat([a, y], dim=1), s.sum(dim=1)

    class Flow(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList([Coupling() for _ in range(LAYERS)])

        def log_prob(self, x):
            log_det = torch.zeros(x.shape[0])
            for i, layer in enumerate(self.layers):
                if i > 0:
                    x = x.flip(1)
                x, ld = layer(x)
                log_det = log_det + ld
            return -0.5 * (x * x).sum(dim=1) - 0.5 * DIM * math.log(2 * math.pi) + log_det

    return Flow()


MODEL = (f"affine-coupling flow, D={DIM}, {LAYERS} layers, conditioner {DIM // 2}-{HIDDEN}-{HIDDEN}-"
         f"{2 * (DIM - DIM // 2)} ReLU")


def run(threads: int, seconds: float, repeats: int, batch: int, as_json: bool) -> None:
    load = reference_env.load_average()
    torch = reference_env.import_module("torch")

    torch.set_num_threads(threads)
    reference_env.set_openblas_threads(threads)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    reference_env.describe(threads=threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(1)
    flow = build(torch)
    optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3)
    x = torch.randn(batch, DIM)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = -flow.log_prob(x).mean()
        loss.backward()
        optimizer.step()

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

    score_rows, score_batch = 65536, 4096
    data = torch.randn(score_rows, DIM)
    score_rates = []
    with torch.no_grad():
        for c in data.split(score_batch):
            flow.log_prob(c)
        for _ in range(repeats):
            start = time.perf_counter()
            for c in data.split(score_batch):
                flow.log_prob(c)
            score_rates.append(score_rows / (time.perf_counter() - start))
    score_rates.sort()
    print(f"torch {torch.__version__} threads={threads} OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '-')} "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '-')}: "
          f"training samples/s best {rates[-1]:.0f}, median {rates[len(rates) // 2]:.0f}; "
          f"log-density rows/s best {score_rates[-1]:.0f}, median {score_rates[len(score_rates) // 2]:.0f}", flush=True)
    if as_json:
        entry = {
            "threads": threads,
            "training": {"samplesPerSecond": round(rates[-1], 1),
                         "variant": f"Adam, batch {batch}, best of {repeats} x {seconds:g} s"},
            "inference": {"rowsPerSecond": round(score_rates[-1], 1),
                          "variant": f"no_grad, batches of {score_batch:,}, best of {repeats}"},
        }
        reference_env.print_json(reference_env.result("flow_torch.py", MODEL, reference_env.facts(torch), load, [entry]))


def thread_counts(text):
    """"1,2" -> [1, 2]; 0 means every core."""
    try:
        counts = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        counts = []
    if not counts or any(t < 0 for t in counts):
        sys.exit(f"error: --threads '{text}' is not a thread count or a comma-separated list such as 1,2")
    return list(dict.fromkeys(t or os.cpu_count() or 1 for t in counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2",
                        help="one thread count (measured in this process) or a comma-separated list (each in a child "
                             "process); 0 = every core")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per training repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--json", action="store_true", help="end with one line holding a JSON result object")
    args = parser.parse_args()
    reference_env.prepare()
    threads_list = thread_counts(args.threads)
    if len(threads_list) == 1:
        run(threads_list[0], args.seconds, args.repeats, args.batch, args.json)
        return
    load = reference_env.load_average()
    print(f"load average: {' '.join(str(v) for v in load)}", flush=True)
    print(f"PyTorch {MODEL}, batch {args.batch}, Adam(lr=1e-3)", flush=True)
    machine, entries = None, []
    for threads in threads_list:
        env = dict(os.environ)
        env["OPENBLAS_NUM_THREADS"] = str(threads)
        if threads > 1:
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        command = [sys.executable, __file__, "--threads", str(threads), "--seconds", str(args.seconds),
                   "--repeats", str(args.repeats), "--batch", str(args.batch)] + (["--json"] if args.json else [])
        child = subprocess.run(command, env=env, stdout=subprocess.PIPE if args.json else None, text=True)
        if args.json:
            lines = child.stdout.splitlines()
            for line in lines[:-1]:
                print(line, flush=True)
            if child.returncode == 0:
                one = json.loads(lines[-1])
                entries += one.pop("perThreads")
                machine = machine or {k: v for k, v in one.items() if k not in ("script", "model", "loadAverage", "best")}
        if child.returncode != 0:
            sys.exit(child.returncode)
    if args.json:
        reference_env.print_json(reference_env.result("flow_torch.py", MODEL, machine, load, entries))


if __name__ == "__main__":
    main()
