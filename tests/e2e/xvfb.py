"""A real X server (Xvfb) for end-to-end tests, and xdotool helpers to drive real windows."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install the Debian package {package} (make test does this as root)")
    return path


def start_xvfb(xvfb: str = "Xvfb") -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a free display number (it picks one and reports it on a pipe); return it and ':N'.

    Raises RuntimeError if it does not start. Used by the fixture below and by benchmarks/bench_startup.py.
    """
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        raise RuntimeError("Xvfb did not start")
    return server, f":{number}"


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """A private Xvfb display ':N' for the session."""
    xvfb = _need("Xvfb", "xvfb")
    _need("xdotool", "xdotool")
    try:
        server, display = start_xvfb(xvfb)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield display
    finally:
        server.terminate()
        server.wait(timeout=10)


def xdotool(display: str, *args: str, timeout: float = 30) -> str:
    result = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"xdotool {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def wait_for_window(display: str, name_regex: str, timeout: float = 60) -> str:
    """The id of the first visible window whose title matches; polls xdotool (X has no event we can wait on here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name_regex],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            text=True,
            timeout=10,
        )
        ids = result.stdout.split()
        if ids:
            return ids[0]
        time.sleep(0.05)  # polling an external X server: there is no signal to wait on
    raise AssertionError(f"no window named {name_regex!r} appeared within {timeout} s")
