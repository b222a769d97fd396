#!/usr/bin/env python3
"""PyTorch reference for the speed of MLNetMixture's mixture-of-experts classifier.

The same model as MixtureOfExperts with 8 experts, one hidden layer of 64 (ReLU) per expert and a linear gate,
trained with the marginal objective -log sum_k p(z=k|x) p(y|x,z=k) and AdamW on the letter data (D=16, C=26),
batch 256. The experts are batched the same way: the first layers stacked into one Linear D -> K*H, the second
layer one batched matmul [K, H, C].

Measures training samples/s (forward, backward, AdamW step, minibatch gather; also per second of the process's CPU
time, all threads, which on a shared machine is the steadier figure for one thread) and soft-mixture inference rows/s
on the 4,000 test rows, with 1 and 2 threads. PyTorch is given its best setting: training is timed with AdamW's
per-parameter loop and its multi-tensor (foreach) variant, inference in log space (as trained) and in probability
space (softmax gate times softmax experts, one einsum: fewer exponentials), each over the whole test set and in
chunks of 1,024 and 256 rows; every variant is printed and the fastest is the reference.

With --wide the data is instead the wide synthetic set of moe-speed --wide (MixtureOfExpertsThroughputBenchmark.
WideSynthetic, generated bit for bit the same way): 60,000 rows of 784 features, 10 classes, and the experts have
hidden 128 (K = 8); inference is measured on its first 4,096 rows.

--seconds trains each variant until at least that long has passed as well as --epochs (0, the default: exactly
--epochs epochs). With --json the last line of stdout is one JSON object (reference_env.result): the machine facts
and, per thread count, the best training samples/s and soft inference rows/s with the variant that gave each;
`mlmix bench moe --pytorch [--wide]` runs this script so.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 benchmarks/reference/moe_torch.py [--threads 1,2] [--epochs 3] [--wide] [--json]
"""
import argparse
import itertools
import os
import statistics
import time

import reference_env  # noqa: E402

reference_env.prepare()

np = reference_env.import_module("numpy")
torch = reference_env.import_module("torch")


class MixtureOfExperts(torch.nn.Module):
    def __init__(self, d, c, k, h):
        super().__init__()
        self.k, self.h, self.c = k, h, c
        self.gate = torch.nn.Linear(d, k)
        self.first = torch.nn.Linear(d, k * h)
        self.w2 = torch.nn.Parameter(torch.empty(k, h, c))
        self.b2 = torch.nn.Parameter(torch.zeros(k, 1, c))
        torch.nn.init.xavier_uniform_(self.w2)

    def log_parts(self, x):
        log_gate = torch.log_softmax(self.gate(x), dim=-1)                       # [N, K]
        hidden = torch.relu(self.first(x)).view(-1, self.k, self.h).transpose(0, 1)  # [K, N, H]
        logits = (torch.bmm(hidden, self.w2) + self.b2).transpose(0, 1)          # [N, K, C]
        return log_gate, torch.log_softmax(logits, dim=-1)

    def loss(self, x, y):
        log_gate, log_expert = self.log_parts(x)
        picked = log_expert.gather(2, y.view(-1, 1, 1).expand(-1, self.k, 1)).squeeze(2)  # [N, K]
        return -torch.logsumexp(log_gate + picked, dim=-1).mean()

    def predict(self, x):
        log_gate, log_expert = self.log_parts(x)
        return torch.logsumexp(log_gate.unsqueeze(-1) + log_expert, dim=1).exp()

    def predict_probabilities(self, x):
        gate = torch.softmax(self.gate(x), dim=-1)                                     # [N, K]
        hidden = torch.relu(self.first(x)).view(-1, self.k, self.h).transpose(0, 1)   # [K, N, H]
        experts = torch.softmax(torch.bmm(hidden, self.w2) + self.b2, dim=-1)         # [K, N, C]
        return torch.einsum("nk,knc->nc", gate, experts)


def read(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    return data[:, :-1], data[:, -1].astype(np.int64)


WIDE_ROWS, WIDE_INPUTS, WIDE_CLASSES, WIDE_HIDDEN = 60000, 784, 10, 128


def wide_synthetic():
    """Element e (row-major) is ((fmix32(e * 0x9E3779B9) >> 8) * 2^-24 - 0.5) * sqrt(12) in float32; the label is the
    first index of the largest of a row's first 10 features (the same as the C# generator)."""
    h = np.arange(WIDE_ROWS * WIDE_INPUTS, dtype=np.uint32) * np.uint32(0x9E3779B9)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    x = ((h >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / 16777216.0) - np.float32(0.5)) * np.float32(3.4641016)
    x = x.reshape(WIDE_ROWS, WIDE_INPUTS)
    return x, np.argmax(x[:, :WIDE_CLASSES], axis=1).astype(np.int64)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="least training time of each variant, besides --epochs (0: exactly --epochs epochs)")
    parser.add_argument("--wide", action="store_true", help="the wide synthetic set (784 features, hidden 128)")
    parser.add_argument("--json", action="store_true", help="end with one line holding a JSON result object")
    args = parser.parse_args()
    load = reference_env.load_average()

    if args.wide:
        x_train, y_train = wide_synthetic()
        x_train = torch.from_numpy(x_train)
        x_test = x_train[:4096]
        y_train = torch.from_numpy(y_train)
        d, c, h = WIDE_INPUTS, WIDE_CLASSES, WIDE_HIDDEN
        shape = f"wide synthetic D={d} C={c} ({WIDE_ROWS:,} rows), K=8 experts, hidden {h}"
    else:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        x_train, y_train = read(os.path.join(root, "data", "letter_train.csv"))
        x_test, _ = read(os.path.join(root, "data", "letter_test.csv"))
        mean, std = x_train.mean(0), x_train.std(0)
        x_train = torch.from_numpy((x_train - mean) / std)
        x_test = torch.from_numpy((x_test - mean) / std)
        y_train = torch.from_numpy(y_train)
        d, c, h = 16, 26, 64
        shape = f"letter D={d} C={c}, K=8 experts, hidden {h}"
    # Matrix-product FLOPs of one training sample (as moe-speed counts them): forward 2Dk + 2DkH + 2kHC, backward
    # the three weight gradients and the hidden activations' gradient.
    flops = 4 * d * 8 + 4 * d * 8 * h + 6 * 8 * h * c
    torch.set_flush_denormal(True)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    reference_env.describe()
    print(f"# torch {torch.__version__}  {shape}, batch 256, marginal  "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}  load {' '.join(open('/proc/loadavg').read().split()[:3])}")

    best_train, best_infer = (0.0, ""), (0.0, "")
    per_threads = []
    for threads in [int(t) or os.cpu_count() or 1 for t in args.threads.split(",") if t.strip()]:
        thread_train, thread_infer = (0.0, ""), (0.0, "")
        torch.set_num_threads(threads)
        # Debian's torch multiplies matrices in OpenBLAS, whose own pool ignores torch.set_num_threads: without this,
        # "1 thread" ran the large products of --wide on every core.
        reference_env.set_openblas_threads(threads)
        for foreach in (False, True):
            torch.manual_seed(1)
            model = MixtureOfExperts(d, c, 8, h)
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2, foreach=foreach)
            n, batch = x_train.shape[0], 256
            steps = n // batch
            rates, cpu_rates = [], []
            trained = time.perf_counter()
            for epoch in itertools.count():
                if epoch >= args.epochs and time.perf_counter() - trained >= args.seconds:
                    break
                order = torch.randperm(n)
                start, cpu_start = time.perf_counter(), time.process_time()
                for s in range(steps):
                    rows = order[s * batch:(s + 1) * batch]
                    optimizer.zero_grad(set_to_none=True)
                    loss = model.loss(x_train[rows], y_train[rows])
                    loss.backward()
                    optimizer.step()
                rates.append(steps * batch / (time.perf_counter() - start))
                cpu_rates.append(steps * batch / max(time.process_time() - cpu_start, 1e-9))
            train_rate = statistics.median(rates[1:] or rates)
            cpu_rate = statistics.median(cpu_rates[1:] or cpu_rates)
            print(f"threads {threads}: training {train_rate:9,.0f} samples/s {train_rate * flops / 1e9:6.1f} GFLOP/s, "
                  f"{cpu_rate:9,.0f} per CPU-second "
                  f"(median of epochs 2..{len(rates)}, "
                  f"AdamW foreach={foreach})  final loss {loss.item():.3f}  "
                  f"load {' '.join(open('/proc/loadavg').read().split()[:3])}")
            best_train = max(best_train, (train_rate, f"{threads} thread(s), foreach={foreach}"))
            thread_train = max(thread_train, (train_rate, f"AdamW foreach={foreach}, median of epochs 2..{len(rates)}"))

        with torch.no_grad():
            for name, predict in (("log space", model.predict), ("probability space", model.predict_probabilities)):
                for chunk in (x_test.shape[0], 1024, 256):
                    def run():
                        for i in range(0, x_test.shape[0], chunk):
                            predict(x_test[i:i + chunk])
                    run()
                    times = []
                    for _ in range(args.repeats):
                        start = time.perf_counter()
                        run()
                        times.append(time.perf_counter() - start)
                    infer_rate = x_test.shape[0] / statistics.median(times)
                    print(f"threads {threads}: inference soft {infer_rate:10,.0f} rows/s ({name}, chunks of {chunk})")
                    best_infer = max(best_infer, (infer_rate, f"{threads} thread(s), {name}, chunks of {chunk}"))
                    thread_infer = max(thread_infer, (infer_rate, f"{name}, chunks of {chunk}, median of {args.repeats}"))
        per_threads.append({
            "threads": threads,
            "training": {"samplesPerSecond": round(thread_train[0], 1), "variant": thread_train[1]},
            "inference": {"rowsPerSecond": round(thread_infer[0], 1), "variant": thread_infer[1]},
        })

    print(f"best: training {best_train[0]:,.0f} samples/s ({best_train[1]}); "
          f"inference soft {best_infer[0]:,.0f} rows/s ({best_infer[1]})", flush=True)
    if args.json:
        model = f"MoE {shape}, batch 256, marginal, AdamW"
        reference_env.print_json(reference_env.result("moe_torch.py", model, reference_env.facts(torch), load, per_threads))


if __name__ == "__main__":
    main()
