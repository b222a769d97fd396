#!/usr/bin/python3
"""scikit-learn baselines for the mixture-of-experts quality table: test accuracy and fit seconds per model.

    /usr/bin/python3 benchmarks/reference/sklearn_baselines.py [--datasets digits,satellite,...] [--models lr,rf,hgb,mlp]
                                                               [--seeds 1,2,3,4,5]

Reads data/<name>_train.csv(.gz) and data/<name>_test.csv(.gz) (features first, integer label last, header row),
fits each model on the training file and scores the test file once. Models, scikit-learn defaults except where
noted:

* lr:  StandardScaler + LogisticRegression(max_iter=5000) (the default 100 iterations stop short on these sets)
* rf:  RandomForestClassifier(random_state=seed) (100 trees, one thread: n_jobs is left at its default)
* hgb: HistGradientBoostingClassifier(random_state=seed) (OpenMP, every core; the seed only draws the
       early-stopping split, which the defaults use above 10,000 training rows)
* mlp: StandardScaler + MLPClassifier(max_iter=1000, random_state=seed) (one hidden layer of 100, Adam)

--seeds (default 0) fits each model once per random_state and, with several, prints the mean, sample sd and range of
the test accuracy and the mean macro-F1 per model, as moe-quality --seeds does for ours; lbfgs logistic regression has no randomness
and is fitted once.

The two linear/neural models see standardised features, as our mixture of experts does (it learns the
standardisation in Fit); the trees see the raw values. A fit that still raises a ConvergenceWarning is marked
"(not converged)". Besides accuracy each row gives the macro-F1 (rare classes missed show there). The header says
which scikit-learn, CPU and load the figures come from; OpenMP threads wait passively (reference_env.prepare()),
which matters on a loaded machine.
"""
import argparse
import csv
import gzip
import os
import platform
import subprocess
import sys
import time
import warnings

import reference_env

reference_env.prepare()  # OMP_WAIT_POLICY=PASSIVE: HistGradientBoosting's OpenMP threads sleep rather than spin

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

DATASETS = "sonar,ionosphere,dna,digits,satellite,letter,shuttle"
MODELS = {
    "lr": lambda seed: make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
    "rf": lambda seed: RandomForestClassifier(random_state=seed),
    "hgb": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "mlp": lambda seed: make_pipeline(StandardScaler(), MLPClassifier(max_iter=1000, random_state=seed)),
}
DETERMINISTIC = {"lr"}


def data_file(root, name, split):
    plain = os.path.join(root, "data", f"{name}_{split}.csv")
    return plain if os.path.exists(plain) or not os.path.exists(plain + ".gz") else plain + ".gz"


def read(path):
    """(features as float64 rows, integer labels) of one file in the repository's format."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header[-1] != "label":
            raise ValueError(f"{path}: the last column is '{header[-1]}', not 'label'")
        rows = [row for row in reader if row]
    x = np.array([[float(v) for v in row[:-1]] for row in rows])
    y = np.array([int(row[-1]) for row in rows])
    return x, y


def cpu():
    try:
        text = subprocess.run(["lscpu"], check=True, capture_output=True, text=True).stdout
        model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Model name")), "?")
    except (OSError, subprocess.CalledProcessError):
        model = platform.processor() or "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        avx512 = " avx512f" in f.read()
    return f"{model}, {os.cpu_count()} cores, {'avx512f' if avx512 else 'no avx512f'}"


def load():
    with open("/proc/loadavg", encoding="utf-8") as f:
        return " ".join(f.read().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=DATASETS)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--seeds", default="0", help="comma-separated random_state values")
    args = parser.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

    print(f"# sklearn_baselines  {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}  scikit-learn {sklearn.__version__}"
          f"  numpy {np.__version__}  python {platform.python_version()}")
    print(f"# cpu: {cpu()}  load: {load()}  OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    print("dataset     train x features / test    model  seed  test-acc  macro-F1  fit-seconds")
    seeds = [int(seed) for seed in args.seeds.split(",")]
    summaries = []
    for name in args.datasets.split(","):
        x_train, y_train = read(data_file(root, name, "train"))
        x_test, y_test = read(data_file(root, name, "test"))
        shape = f"{len(y_train)} x {x_train.shape[1]} / {len(y_test)}"
        for key in args.models.split(","):
            accuracies, macro_f1s, times = [], [], []
            for seed in seeds[:1] if key in DETERMINISTIC else seeds:
                model = MODELS[key](seed)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    start = time.perf_counter()
                    model.fit(x_train, y_train)
                    seconds = time.perf_counter() - start
                predicted = model.predict(x_test)
                accuracy = float(np.mean(predicted == y_test))
                macro_f1 = f1_score(y_test, predicted, average="macro")
                accuracies.append(accuracy)
                macro_f1s.append(macro_f1)
                times.append(seconds)
                note = "  (not converged)" if any(issubclass(w.category, ConvergenceWarning) for w in caught) else ""
                print(f"{name:<11} {shape:<26} {key:<5} {seed:4}  {accuracy:8.4f}  {macro_f1:8.4f}  {seconds:11.2f}"
                      f"   load {load()}{note}", flush=True)
            sd = float(np.std(accuracies, ddof=1)) if len(accuracies) > 1 else 0.0
            summaries.append(f"{name:<11} {shape:<26} {key:<5} {len(accuracies):5}  {np.mean(accuracies):13.4f}  {sd:6.4f}"
                             f"  {min(accuracies):6.4f}  {max(accuracies):6.4f}  {np.mean(macro_f1s):13.4f}  {np.mean(times):16.2f}")
    if len(seeds) > 1:
        print()
        print("dataset     train x features / test    model  fits  test-acc mean      sd     min     max  macro-F1 mean  fit seconds mean")
        for line in summaries:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
