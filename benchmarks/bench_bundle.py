"""The bundle (make bundle) against the venv: its size, and the time of `--version` and of launch → visible window.

    python benchmarks/bench_bundle.py [--bundle dist/c2c-desktop-VERSION-linux-ARCH.tar.gz] [--runs 9]

The archive (default: the newest in dist/) is unpacked into a temp dir. `--version` is timed from spawn to exit;
the window as in bench_startup.py (the X server's MapNotify of the main window, empty profile, null keyring, under a
private Xvfb), for `python -m c2c_desktop` (the venv) and the bundle's executable, interleaved in rounds after one
unmeasured round. Prints `name: value` lines: medians, and the median over the rounds of bundle / venv in the same
round. Without a bundle it says so and exits 0 (`make bench` runs every script; `make bundle` builds one).
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_startup import APP_TITLE, MapWatcher, _environment, _start_xvfb, launch_until_visible  # noqa: E402


def _newest_bundle() -> Path | None:
    archives = sorted((ROOT / "dist").glob("c2c-desktop-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return archives[-1] if archives else None


def _version_seconds(command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, timeout=60)
    elapsed = time.monotonic() - started
    if result.returncode != 0 or not result.stdout.startswith(b"c2c-desktop "):
        raise SystemExit(f"{command} --version failed: {result.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, help="the .tar.gz (default: the newest in dist/)")
    parser.add_argument("--runs", type=int, default=9, help="measured rounds (at least 3)")
    args = parser.parse_args(argv)
    archive = args.bundle or _newest_bundle()
    if archive is None or not archive.is_file():
        print("bundle: not built (make bundle); nothing measured")
        return 0
    runs = max(3, args.runs)
    if not compileall.compile_dir(ROOT / "c2c_desktop", quiet=1):
        raise SystemExit("byte-compiling c2c_desktop failed")

    server, display = _start_xvfb()
    try:
        with tempfile.TemporaryDirectory(prefix="c2c-bench-bundle-") as scratch_name:
            scratch = Path(scratch_name)
            with tarfile.open(archive) as packed:
                packed.extractall(scratch / "unpacked", filter="data")
            app = scratch / "unpacked" / "c2c-desktop" / "c2c-desktop"
            files = (scratch / "unpacked").rglob("*")
            unpacked = sum(path.stat().st_size for path in files if path.is_file() and not path.is_symlink())
            print(f"bundle_archive: {archive.name}")
            print(f"bundle_targz_mib: {archive.stat().st_size / 2**20:.1f}")
            print(f"bundle_unpacked_mib: {unpacked / 2**20:.1f}")

            profile = scratch / "empty-profile"
            (profile / "config").mkdir(parents=True)
            (profile / "data").mkdir()
            commands = {"venv": [sys.executable, "-m", "c2c_desktop"], "bundle": [str(app)]}
            envs = {}
            for kind in commands:
                (scratch / f"tmp-{kind}").mkdir()
                envs[kind] = _environment(display, profile, scratch / f"tmp-{kind}")
            watcher = MapWatcher(display)
            version: dict[str, list[float]] = {kind: [] for kind in commands}
            window: dict[str, list[float]] = {kind: [] for kind in commands}
            for round_number in range(runs + 1):
                for kind, command in commands.items():
                    version_s = _version_seconds([*command, "--version"], envs[kind])
                    window_s = launch_until_visible(watcher, command, envs[kind], APP_TITLE)
                    if round_number:  # the first round warms the disk cache
                        version[kind].append(version_s)
                        window[kind].append(window_s)
    finally:
        server.terminate()
        server.wait(timeout=10)

    for label, times in (("version", version), ("window", window)):
        for kind in commands:
            print(f"{label}_{kind}_s: {statistics.median(times[kind]):.3f}")
        ratios = [bundle / venv for bundle, venv in zip(times["bundle"], times["venv"], strict=True)]
        print(f"{label}_bundle_over_venv: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
