"""How fast `retrograd train` reads a big CSV file, and with how much memory, next to pandas.

Generates a file of `--rows` rows x 10 float features + an integer label (2,000,000 rows is
about 200 MB), then reads it in a fresh process per reader and repeat:

- ``retrograd``: `retrograd.cli.csvdata.read_csv` and the feature matrix, as `retrograd train`
  builds it (PyArrow's reader when the `csv` extra is installed);
- ``retrograd-chunks``: the same with ``--chunk-rows 200000`` (float32 numbers, chunk by chunk);
- ``retrograd-stdlib``: the fallback reader (Python's csv module) used without PyArrow;
- ``pandas``: ``pandas.read_csv(path)`` with its defaults (the C parser);
- ``pandas-pyarrow``: ``pandas.read_csv(path, engine="pyarrow")``, for reference (not run by
  default).

Reports the median seconds of the read (imports excluded), the CPU seconds it took (all
threads: above the seconds where a reader runs in parallel), and the memory it adds: the peak
resident memory (VmHWM, Linux) minus the resident memory after the imports.

    .venv/bin/python benchmarks/csv_read.py                  # 2,000,000 rows, 5 repeats
    .venv/bin/python benchmarks/csv_read.py --rows 200000 --repeats 1
    .venv/bin/python benchmarks/csv_read.py --path big.csv   # generate once, keep, reuse
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

READERS = ("retrograd", "retrograd-chunks", "retrograd-stdlib", "pandas")
OTHER_READERS = ("pandas-pyarrow",)

CHILD = r"""
import json, sys, time
path, reader = sys.argv[1], sys.argv[2]
def rss(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return 0
if reader.startswith("pandas"):
    import pandas
    options = {"engine": "pyarrow"} if reader == "pandas-pyarrow" else {}  # else the C parser
    if options:
        import pyarrow.csv  # imported outside the timing, like PyArrow for retrograd
else:
    from retrograd.cli import csvdata
    if reader == "retrograd-stdlib":
        csvdata._pyarrow = lambda: None
    csvdata._pyarrow()  # imports PyArrow (outside the timing, like pandas)
before = rss("VmRSS:")
start, cpu = time.perf_counter(), time.process_time()
if reader.startswith("pandas"):
    frame = pandas.read_csv(path, **options)
    shape = frame.shape
else:
    chunk = 200_000 if reader == "retrograd-chunks" else None
    table = csvdata.read_csv(path, chunk_rows=chunk, text_columns=["label"], progress=False)
    features = [name for name in table.columns if name != "label"]
    X = csvdata.numeric_matrix(table, features)
    labels = csvdata.label_array(table, "label")
    shape = (X.shape[0], X.shape[1] + 1)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = rss("VmHWM:") - before
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": peak, "shape": list(shape)}))
"""


def generate(path: Path, rows: int, seed: int = 0) -> None:
    """`rows` rows of 10 normal features (6 decimals) and a 0/1 label, written in blocks."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as handle:
        handle.write(",".join([f"x{i}" for i in range(10)] + ["label"]) + "\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            X = rng.normal(size=(n, 10))
            label = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
            block = np.column_stack([X, label])
            np.savetxt(handle, block, fmt=["%.6f"] * 10 + ["%d"], delimiter=",")


def measure(path: Path, reader: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), reader],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="default: 2,000,000")
    parser.add_argument("--repeats", type=int, default=5, help="default: 5")
    parser.add_argument(
        "--readers",
        default=",".join(READERS),
        help=f"comma-separated from {', '.join(READERS + OTHER_READERS)} "
        f"(default: {','.join(READERS)})",
    )
    parser.add_argument(
        "--path",
        type=Path,
        help="read this file, generating it first (with --rows) when it does not exist; "
        "default: a temporary file, removed afterwards",
    )
    args = parser.parse_args()
    readers = args.readers.split(",")
    with tempfile.TemporaryDirectory() as folder:
        path = args.path or Path(folder, "big.csv")
        if not path.exists():
            start = time.perf_counter()
            generate(path, args.rows)
            print(f"generated {path.name} in {time.perf_counter() - start:.0f} s")
        size = os.path.getsize(path)
        print(f"{path.name}: {size / 1e6:,.0f} MB")
        results: dict[str, list[dict[str, float]]] = {reader: [] for reader in readers}
        for _ in range(args.repeats):
            for reader in readers:  # interleaved, so drift of a busy machine hits all alike
                results[reader].append(measure(path, reader))
    pandas_seconds = statistics.median(r["seconds"] for r in results.get("pandas", []) or [{}])
    print(
        "\n| reader | median s | min-max s | vs pandas | median CPU s | added peak RSS "
        "| / file size |"
    )
    print("|---|---|---|---|---|---|---|")
    for reader in readers:
        times = [r["seconds"] for r in results[reader]]
        cpu = statistics.median(r["cpu"] for r in results[reader])
        peak = max(r["peak"] for r in results[reader])
        ratio = statistics.median(times) / pandas_seconds if "pandas" in results else float("nan")
        print(
            f"| {reader} | {statistics.median(times):.2f} | {min(times):.2f}-{max(times):.2f} | "
            f"{ratio:.2f}x | {cpu:.2f} | {peak / 1e6:,.0f} MB | {peak / size:.2f}x |"
        )


if __name__ == "__main__":
    main()
