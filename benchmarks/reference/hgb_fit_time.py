"""scikit-learn's HistGradientBoostingClassifier fit time on the file `wide-fit-time` writes (issue 16 item 5).

Usage: /usr/bin/python3 benchmarks/reference/hgb_fit_time.py [csv=/tmp/mlmix-wide.csv]
Only the fit is timed (reading the CSV is not); every HistGradientBoosting setting is its default (early stopping on
by itself above 10,000 rows, on a 10% validation split), OpenMP on every core, threads waiting passively.
"""
import os
import sys
import time

import reference_env

reference_env.prepare()

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mlmix-wide.csv"
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = data[:, :-1], data[:, -1].astype(np.int64)
    print(f"# hgb-fit-time  scikit-learn {sklearn.__version__}  {x.shape[0]:,} x {x.shape[1]}  cores: {os.cpu_count()}  load: {' '.join(open('/proc/loadavg').read().split()[:3])}")
    model = HistGradientBoostingClassifier(random_state=0)
    start = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - start
    score = model.validation_score_[-1] if getattr(model, "validation_score_", None) is not None and len(model.validation_score_) else float("nan")
    print(f"HistGradientBoostingClassifier fit: {seconds:.1f} s, {model.n_iter_} iterations, held-out validation score {score:.4f} (its default scoring: negative log-loss); load {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
