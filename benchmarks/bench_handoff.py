"""The tel: hand-off to a running window, and `--help`, against starting Python at all.

    python benchmarks/bench_handoff.py [--runs 9] [--no-compile]

Starts the real app (`python -m c2c_desktop`) in a throwaway profile (XDG_DATA_HOME, XDG_CONFIG_HOME,
XDG_RUNTIME_DIR and TMPDIR in a temp folder; QT_QPA_PLATFORM=offscreen; the keyring's fail backend) and waits until
it listens for later launches. Then, in rounds (after one unmeasured warm-up round), times each of these as a new
process, from just before it is spawned until it has exited:

- `python -c pass` (the floor: starting this interpreter with this venv's site packages),
- `c2c-desktop tel:+12125550142`: the console script, as pip writes it for pyproject.toml's [project.scripts] entry
  (written to the temp folder with this interpreter and PYTHONPATH set to this checkout, so it runs this code and
  not the code the venv was installed from), which hands the link to the window and exits,
- `c2c-desktop --help`.

Each ratio is the median over the rounds of that command's time over `python -c pass` in the same round, since this
machine's speed drifts from minute to minute. The app's package is byte-compiled first, as an installed wheel is
(`--no-compile` skips it). Prints `name: value` lines; the window is stopped (SIGTERM) at the end.
"""

from __future__ import annotations

import argparse
import compileall
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LINK = "tel:+12125550142"
#: The goal of issue 11: the hand-off within this many times `python -c pass`.
HANDOFF_TARGET_RATIO = 4.0


def write_console_script(folder: Path) -> Path:
    """The `c2c-desktop` script pip would write for this checkout's pyproject.toml."""
    entry = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]["c2c-desktop"]
    module, _, function = entry.partition(":")
    script = folder / "c2c-desktop"
    script.write_text(
        f"#!{sys.executable}\n"
        "# -*- coding: utf-8 -*-\n"
        "import re\nimport sys\n"
        f"from {module} import {function}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({function}())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def profile_environment(scratch: Path, runtime: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(scratch / "data"),
        "XDG_CONFIG_HOME": str(scratch / "config"),
        "XDG_RUNTIME_DIR": str(runtime),
        "TMPDIR": str(scratch / "tmp"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    for name in ("XDG_ACTIVATION_TOKEN", "DESKTOP_STARTUP_ID"):
        env.pop(name, None)
    (scratch / "tmp").mkdir()
    return env


def timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds from spawning `command` until it exited; it must succeed."""
    started = time.perf_counter()
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {result.returncode}")
    return elapsed


def wait_for_socket(runtime: Path, window: subprocess.Popen[bytes], timeout_s: float = 60.0) -> Path:
    deadline = time.monotonic() + timeout_s
    while not (sockets := [path for path in runtime.iterdir() if path.is_socket()]):
        if window.poll() is not None:
            raise SystemExit(f"the window exited ({window.returncode}) before it listened")
        if time.monotonic() > deadline:
            raise SystemExit("the window did not listen for later launches in time")
        time.sleep(0.05)  # another process's socket file: nothing to wait on
    return sockets[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="measured rounds (at least 5)")
    parser.add_argument("--no-compile", action="store_true", help="do not byte-compile the app's package first")
    args = parser.parse_args(argv)
    runs = max(args.runs, 5)
    if not args.no_compile and not compileall.compile_dir(ROOT / "c2c_desktop", quiet=1):
        raise SystemExit("byte-compiling c2c_desktop failed")

    with tempfile.TemporaryDirectory(prefix="bench-handoff-") as folder, tempfile.TemporaryDirectory() as run_folder:
        scratch = Path(folder)
        runtime = Path(run_folder)  # mkdtemp makes it 0700, as XDG_RUNTIME_DIR must be; and short, as a socket needs
        env = profile_environment(scratch, runtime)
        script = write_console_script(scratch)
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "handoff": [str(script), LINK],
            "help": [str(script), "--help"],
        }
        window_log = (scratch / "window.log").open("wb")  # the offscreen platform says "cannot raise" at each hand-off
        window = subprocess.Popen(
            [sys.executable, "-m", "c2c_desktop"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=window_log,
            stderr=window_log,
        )
        try:
            try:
                socket_path = wait_for_socket(runtime, window)
            except SystemExit:
                print((scratch / "window.log").read_text(errors="replace"), file=sys.stderr)
                raise
            times: dict[str, list[float]] = {kind: [] for kind in commands}
            for round_number in range(runs + 1):  # round 0 warms the caches and is not counted
                for kind, command in commands.items():
                    seconds = timed(command, env)
                    if round_number:
                        times[kind].append(seconds)
            if window.poll() is not None or not socket_path.is_socket():
                raise SystemExit("the window did not survive the hand-offs")
        finally:
            window.send_signal(signal.SIGTERM)
            try:
                window.wait(timeout=30)
            except subprocess.TimeoutExpired:
                window.kill()
                window.wait()
            window_log.close()

    def ratio(kind: str) -> float:
        return statistics.median(mine / base for mine, base in zip(times[kind], times["python"], strict=True))

    handoff_ratio = ratio("handoff")
    print(f"runs: {runs}")
    print(f"load_average_1min: {os.getloadavg()[0]:.2f}")
    print(f"python_c_pass_ms: {statistics.median(times['python']) * 1000:.1f}")
    print(f"handoff_ms: {statistics.median(times['handoff']) * 1000:.1f}")
    print(f"help_ms: {statistics.median(times['help']) * 1000:.1f}")
    print(f"handoff_ratio: {handoff_ratio:.2f}   (median of the per-round ratios; target <= {HANDOFF_TARGET_RATIO:g})")
    print(f"help_ratio: {ratio('help'):.2f}")
    for kind, values in times.items():
        print(f"{kind}_all_ms: {' '.join(f'{seconds * 1000:.1f}' for seconds in values)}")
    print(f"handoff_target: {'met' if handoff_ratio <= HANDOFF_TARGET_RATIO else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
