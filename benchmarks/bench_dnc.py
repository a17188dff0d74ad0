"""Do-not-call lists at registry scale: a 10-million-number list imported, then looked up.

Generates a registry download (10M lines "NPANXXXXXX", 5 area codes, numbers ascending within each area code as the
registry delivers them; --shuffled for a fully random order) in a temp folder, then, each phase in its own process:
- `import_10m_s`: `dnc.import_lists` into an empty database (target <= 20 s), with the process's peak RSS;
- in a new process with the database open as the window has it: `open_lookup_ms` (DncRegistry(store); target:
  nothing measurable), 10,000 `listings()` of random numbers of those area codes, half of them listed
  (`lookup_p50_ms`, `lookup_p99_ms`; target p99 <= 0.1 ms), and `rss_growth_mib`: VmRSS after the lookups minus
  VmRSS before opening the lookup (target <= 16 MiB);
- `open_store_ms` with the 10M list and with an empty database: the window's start does not change.
Prints "name: value" lines.

Run: .venv/bin/python benchmarks/bench_dnc.py [--lines 10000000] [--shuffled]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AREA_CODES = (212, 305, 312, 416, 602)
SPAN = 8_000_000  # exchanges 200-999: 7-digit numbers 2000000..9999999
LOOKUPS = 10_000


def listed(npa_offset: int) -> bool:
    """The generator's rule: of each 4 consecutive numbers exactly one is listed (so a hit or a miss is known without
    keeping 10M numbers anywhere)."""
    index, rest = divmod(npa_offset, 4)
    return rest == index * 7 % 4


def generate(path: Path, lines: int, shuffled: bool) -> None:
    per_code = lines // len(AREA_CODES)
    if 4 * per_code > SPAN:
        raise SystemExit(f"at most {SPAN // 4 * len(AREA_CODES)} lines")
    codes = list(AREA_CODES)
    random.Random(1).shuffle(codes)
    with path.open("w", newline="") as file:
        if not shuffled:
            for npa in codes:
                for start in range(0, per_code, 200_000):
                    stop = min(start + 200_000, per_code)
                    file.write("".join(f"{npa}{2000000 + 4 * i + i * 7 % 4}\n" for i in range(start, stop)))
            return
        numbers = [npa * 10_000_000 + 2000000 + 4 * i + i * 7 % 4 for npa in codes for i in range(per_code)]
        random.Random(2).shuffle(numbers)
        for start in range(0, len(numbers), 200_000):
            file.write("".join(f"{number}\n" for number in numbers[start : start + 200_000]))


def proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def vm_rss_kib() -> int:
    return proc_status_kib("VmRSS")


def phase_import(db: Path, source: Path) -> None:
    from c2c_desktop.core.rules.dnc import import_lists
    from c2c_desktop.core.store import Store

    with Store(db) as store:
        started = time.perf_counter()
        result = import_lists(store, [source], name="National DNC", audit=None)
        elapsed = time.perf_counter() - started
    print(f"import_10m_s: {elapsed:.2f}")
    print(f"import_rows: {result.info.rows}")
    # VmHWM, not ru_maxrss: that one keeps the parent's peak across fork and exec.
    print(f"import_peak_rss_mib: {proc_status_kib('VmHWM') / 1024:.0f}")


def phase_lookup(db: Path, lines: int) -> None:
    from c2c_desktop.core.rules.dnc import DncRegistry
    from c2c_desktop.core.store import Store

    per_code = lines // len(AREA_CODES)
    rnd = random.Random(3)
    numbers = []
    for n in range(LOOKUPS):
        while True:
            offset = rnd.randrange(4 * per_code)
            if listed(offset) == (n % 2 == 0):
                break
        numbers.append((f"+1{rnd.choice(AREA_CODES)}{2000000 + offset}", n % 2 == 0))
    started = time.perf_counter()
    store = Store(db)
    print(f"open_store_ms: {(time.perf_counter() - started) * 1000:.2f}")
    rss_before = vm_rss_kib()
    started = time.perf_counter()
    registry = DncRegistry(store)
    print(f"open_lookup_ms: {(time.perf_counter() - started) * 1000:.4f}")
    timings = []
    wrong = 0
    for number, hit in numbers:
        started_ns = time.perf_counter_ns()
        found = registry.listings(number)
        timings.append(time.perf_counter_ns() - started_ns)
        wrong += bool(found) != hit
    rss_after = vm_rss_kib()
    timings.sort()
    print(f"lookups: {LOOKUPS} (half listed), wrong answers: {wrong}")
    print(f"lookup_p50_ms: {timings[len(timings) // 2] / 1e6:.4f}")
    print(f"lookup_p99_ms: {timings[len(timings) * 99 // 100] / 1e6:.4f}")
    print(f"lookup_max_ms: {timings[-1] / 1e6:.4f}")
    print(f"rss_growth_mib: {(rss_after - rss_before) / 1024:.2f}")
    store.close()


def phase_open(db: Path) -> None:
    from c2c_desktop.core.store import Store

    started = time.perf_counter()
    Store(db).close()
    print(f"open_store_ms: {(time.perf_counter() - started) * 1000:.2f}")


def child(*args: str) -> str:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip() or f"{args[0]} failed")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--shuffled", action="store_true", help="numbers in random order (not as the registry sorts)")
    parser.add_argument("--phase", choices=("import", "lookup", "open"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "import":
        return phase_import(args.db, args.source)
    if args.phase == "lookup":
        return phase_lookup(args.db, args.lines)
    if args.phase == "open":
        return phase_open(args.db)
    with tempfile.TemporaryDirectory(prefix="bench-dnc-") as scratch:
        folder = Path(scratch)
        source, db, empty = folder / "registry.txt", folder / "c2c-desktop.sqlite3", folder / "empty.sqlite3"
        started = time.perf_counter()
        generate(source, args.lines, args.shuffled)
        order = "random order" if args.shuffled else "ascending within each area code"
        took = time.perf_counter() - started
        print(f"generated: {args.lines} lines, {source.stat().st_size >> 20} MiB, {order}, in {took:.1f} s")
        print(child("--phase", "import", "--db", str(db), "--source", str(source)), end="")
        print(f"database_mib: {sum(p.stat().st_size for p in folder.glob('c2c-desktop.sqlite3*')) / 2**20:.0f}")
        print(child("--phase", "lookup", "--db", str(db), "--lines", str(args.lines)), end="")
        child("--phase", "open", "--db", str(empty))  # creates it
        print(child("--phase", "open", "--db", str(empty)).replace("open_store_ms", "open_empty_store_ms"), end="")
        print(f"load_average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
