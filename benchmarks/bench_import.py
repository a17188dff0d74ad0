"""Import speed: 100,000 Google-CSV rows (one or two phones each) read, checked for duplicates and stored.

Prints `import_100k_rows_s`: the median of --runs whole imports (`contacts_io.import_file` into an empty database:
read + plan + store; the target is <= 3 s), each in a new process as `c2c-desktop contacts import` runs (the import
is timed, not the interpreter's start), with every run's wall and CPU time (this machine's speed varies from minute
to minute); then each part timed on its own, and the machine's load average.

Run: .venv/bin/python benchmarks/bench_import.py [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from c2c_desktop.core.contacts_io import apply_import, import_file, plan_import  # noqa: E402
from c2c_desktop.core.importers import read_contacts_file  # noqa: E402
from c2c_desktop.core.store import Store  # noqa: E402

ROWS = 100_000
HEADER = ["First Name", "Last Name", "Organization Name", "Notes"]
HEADER += ["Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value"]
FORMATS = ("({a}) {e}-{n}", "{a}-{e}-{n}", "+1 {a} {e} {n}", "{a}.{e}.{n}")
T = TypeVar("T")


def make_csv(rows: int, seed: int = 7) -> bytes:
    """Mostly unique US numbers over ~800 area codes, in four written styles, plus some international ones."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)

    def number() -> str:
        if rng.random() < 0.03:
            return f"+44 20 7946 {rng.randrange(10000):04d}"
        style = rng.choice(FORMATS)
        return style.format(a=rng.randrange(201, 990), e=rng.randrange(200, 1000), n=f"{rng.randrange(10000):04d}")

    for index in range(rows):
        row = [f"First{index}", f"Last{index}", f"Company {index % 5000}", "note, with comma" if index % 10 else ""]
        row += ["Mobile", number()]
        row += ["Work", number()] if rng.random() < 0.5 else ["", ""]
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _whole_import_in_a_new_process(source: Path, database: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of `import_file` into an empty database, in a fresh interpreter as `contacts import` runs."""
    completed = subprocess.run(
        [sys.executable, __file__, "--whole", str(source), str(database)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    wall, cpu = completed.stdout.split()
    return float(wall), float(cpu)


def _whole_child(source: Path, database: Path) -> None:
    with Store(database) as store:
        summary, wall, cpu = timed(lambda: import_file(store, source))
        assert store.contact_count() == summary.imported
    print(f"{wall:.4f} {cpu:.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="whole imports, each in a new process (default 5)")
    parser.add_argument("--whole", nargs=2, type=Path, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.whole:
        _whole_child(*args.whole)
        return 0

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "contacts.csv"
        source.write_bytes(make_csv(ROWS))
        wholes = [
            _whole_import_in_a_new_process(source, Path(folder) / f"whole-{run}.sqlite3")
            for run in range(max(1, args.runs))
        ]

        with Store(Path(folder) / "summary.sqlite3") as store:
            summary = import_file(store, source)

        with Store(Path(folder) / "parts.sqlite3") as store:
            read, read_s, read_cpu = timed(lambda: read_contacts_file(source))
            plan, plan_s, plan_cpu = timed(lambda: plan_import(store, read))
            _, store_s, store_cpu = timed(lambda: apply_import(store, plan))

    phones = sum(len(contact.phones) for contact in read.contacts)
    walls = [wall for wall, _ in wholes]
    print(f"{ROWS} rows: {summary.imported} imported, {summary.merged} merged, {summary.skipped} skipped, ", end="")
    print(f"{len(summary.problems)} problems; {phones} numbers")
    print(f"import_100k_rows_s: {statistics.median(walls):.2f}   (median of {len(walls)} runs; target <= 3 s)")
    print("import_100k_rows_all_s: " + " ".join(f"{wall:.2f} (CPU {cpu:.2f})" for wall, cpu in wholes))
    print("parts, one after another in this process:")
    print(f"  read + normalise: {read_s:.2f} s (CPU {read_cpu:.2f})")
    print(f"  plan (duplicates): {plan_s:.2f} s (CPU {plan_cpu:.2f})")
    print(f"  store (one transaction): {store_s:.2f} s (CPU {store_cpu:.2f})")
    print("  load average: " + " ".join(f"{load:.2f}" for load in os.getloadavg()) + f" on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
