#!/usr/bin/python3
"""Exports four UCI data sets from Debian's r-cran-mlbench to data/ in the repository's CSV format.

    apt-get install -y python3-sklearn r-cran-mlbench r-base-core
    /usr/bin/python3 benchmarks/reference/export_mlbench.py

Nothing is downloaded: R's mlbench package (as installed by apt) holds the data. Rscript prints each data frame
as CSV, with every factor feature written as its level (mlbench stores the 0/1 indicators of DNA and of the
first Ionosphere attribute as factors "0"/"1", so they come out as 0 and 1) and the class as its 0-based level
index in mlbench's level order. This script then drops constant columns (Ionosphere's second attribute is 0 in
every row), splits each set stratified by class with scikit-learn's train_test_split(test_size=0.2,
random_state=42) and writes data/<name>_train.csv and data/<name>_test.csv, gzipped (.csv.gz, header time 0 so
the bytes do not depend on the day) for the two larger sets. The values are copied as R printed them.

| name       | mlbench data set | rows   | features | classes | file          |
|------------|------------------|--------|----------|---------|---------------|
| shuttle    | Shuttle          | 58,000 | 9        | 7       | .csv.gz       |
| dna        | DNA              | 3,186  | 180      | 3       | .csv.gz       |
| ionosphere | Ionosphere       | 351    | 33       | 2       | .csv          |
| sonar      | Sonar            | 208    | 60       | 2       | .csv          |

Vehicle (also in mlbench) is deliberately left out: it is kept for blind checks.
"""
import csv
import gzip
import io
import os
import subprocess
import sys

import numpy as np
from sklearn.model_selection import train_test_split

SETS = [("shuttle", "Shuttle", True), ("dna", "DNA", True), ("ionosphere", "Ionosphere", False), ("sonar", "Sonar", False)]
RANDOM_STATE = 42
TEST_SIZE = 0.2

# Prints the named mlbench data frame as CSV on stdout: features as printed by R (factors as their level), the class
# as the 0-based index of its level, in a last column named label.
R_EXPORT = r"""
options(scipen = 100)  # 0.0009, not 9e-04
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(mlbench))
data(list = args[1], package = "mlbench", envir = environment())
frame <- get(args[1])
features <- frame[, names(frame) != "Class", drop = FALSE]
for (name in names(features)) {
  if (is.factor(features[[name]])) features[[name]] <- as.character(features[[name]])
}
features$label <- as.integer(frame$Class) - 1L
cat(paste("#levels", paste(levels(frame$Class), collapse = ";")), "\n", sep = "")
write.csv(features, stdout(), row.names = FALSE, quote = FALSE)
cat(paste("#mlbench", as.character(packageVersion("mlbench"))), "\n", sep = "")
"""


def read_mlbench(dataset):
    """(header, rows as lists of strings, class level names, mlbench version) of one mlbench data set."""
    text = subprocess.run(["Rscript", "-e", R_EXPORT, dataset], check=True, capture_output=True, text=True).stdout
    lines = text.splitlines()
    levels = lines[0].split(" ", 1)[1].split(";")
    version = lines[-1].split(" ", 1)[1]
    table = list(csv.reader(io.StringIO("\n".join(lines[1:-1]))))
    return table[0], table[1:], levels, version


def drop_constant_columns(header, rows):
    """Removes feature columns (never the label) whose value is the same in every row; returns the names removed."""
    constant = [j for j in range(len(header) - 1) if len({float(row[j]) for row in rows}) == 1]
    removed = [header[j] for j in constant]
    keep = [j for j in range(len(header)) if j not in constant]
    header[:] = [header[j] for j in keep]
    rows[:] = [[row[j] for j in keep] for row in rows]
    return removed


def write(path, header, rows, compress):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("ascii")
    if compress:
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
            out.write(data)
    else:
        with open(path, "wb") as out:
            out.write(data)


def main():
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
    for name, dataset, compress in SETS:
        header, rows, levels, version = read_mlbench(dataset)
        dropped = drop_constant_columns(header, rows)
        labels = np.array([int(row[-1]) for row in rows])
        index = np.arange(len(rows))
        train, test = train_test_split(index, test_size=TEST_SIZE, random_state=RANDOM_STATE, stratify=labels)
        suffix = ".csv.gz" if compress else ".csv"
        for split, part in (("train", train), ("test", test)):
            # Rows keep mlbench's order within each split.
            write(os.path.join(data, f"{name}_{split}{suffix}"), header, [rows[i] for i in sorted(part)], compress)
        counts = np.bincount(labels, minlength=len(levels))
        print(f"{name}: mlbench {version} {dataset}, {len(rows)} rows x {len(header) - 1} features "
              f"(dropped constant: {', '.join(dropped) or 'none'}), {len(levels)} classes "
              f"{dict(zip(levels, counts.tolist()))} -> train {len(train)} / test {len(test)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
