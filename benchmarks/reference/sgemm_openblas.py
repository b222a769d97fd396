#!/usr/bin/python3
"""Reference float32 GEMM throughput from numpy's BLAS (OpenBLAS on Debian), for comparison with
`dotnet run -c Release --project benchmarks/MLNetMixture.Benchmarks -- gemm-quick`.

Run:  OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/reference/sgemm_openblas.py [seconds-per-case]

Measures the same problems as GemmShapes.cs: for each layer size (M, K, N) the forward product as NN and NT,
the input gradient dX = G W (NN) and the weight gradient dW += G^T X (TN, accumulated). Transposed operands
are passed as transposed views, which numpy hands to sgemm as transpose flags (no copy). Each case is warmed up
and timed in batches; the best batch is reported.
"""
import os
import sys
import time

import reference_env

reference_env.prepare()

import numpy as np  # noqa: E402

FORWARD = [(512, 43, 128), (512, 128, 128), (512, 128, 43), (1024, 256, 256), (4096, 1024, 1024)]


def layer_cases(m, k, n):
    rng = np.random.default_rng(1234)

    def rand(*shape):
        return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)

    x, w_kn, w_nk, g = rand(m, k), rand(k, n), rand(n, k), rand(m, n)
    out_mn = np.zeros((m, n), np.float32)
    out_mk = np.zeros((m, k), np.float32)
    out_nk = np.zeros((n, k), np.float32)
    gt = g.T  # transposed view: sgemm gets a transpose flag
    w_nk_t = w_nk.T
    yield "fwd NN", (m, n, k), lambda: np.matmul(x, w_kn, out=out_mn)
    yield "fwd NT", (m, n, k), lambda: np.matmul(x, w_nk_t, out=out_mn)
    yield "dX  NN", (m, k, n), lambda: np.matmul(g, w_nk, out=out_mk)
    # beta = 1 accumulation, as the training tape does it (dW += G^T X): the add is a second pass here.
    yield "dW  TN", (n, k, m), lambda: np.add(out_nk, np.matmul(gt, x), out=out_nk)


def measure(fn, flops, seconds):
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < 0.005 or calls < 2:
        fn()
        calls += 1
    best = float("inf")
    total = time.perf_counter()
    while time.perf_counter() - total < seconds:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return flops / best / 1e9, best * 1e6


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "(unset)")
    np.matmul(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
    reference_env.describe()
    print(f"numpy {np.__version__} sgemm sweep: OPENBLAS_NUM_THREADS={threads}, {seconds:g} s per case, best batch reported")
    print(f"{'(M,K,N)':<18} {'product':<8} {'m x n x k':<18} {'GFLOP/s':>8} {'us/call':>10}")
    for m, k, n in FORWARD:
        for label, (mm, nn, kk), fn in layer_cases(m, k, n):
            gflops, micros = measure(fn, 2.0 * mm * nn * kk, seconds)
            print(f"{f'({m},{k},{n})':<18} {label:<8} {f'{mm}x{nn}x{kk}':<18} {gflops:8.1f} {micros:10.1f}")


if __name__ == "__main__":
    main()
