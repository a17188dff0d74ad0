"""Build the one-folder bundle with PyInstaller (packaging/c2c-desktop.spec) and pack it for this platform:
dist/c2c-desktop-<version>-<os>-<arch>.tar.gz (a .zip on Windows). `make bundle` runs this with the venv's Python.

Usage: python packaging/build_bundle.py   (prints the archive's path and sizes)
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "c2c-desktop.spec"
BUILD = ROOT / "build" / "bundle"
DIST = ROOT / "dist"
NAME = "c2c-desktop"

_ARCHES = {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def platform_tag() -> str:
    """linux-x86_64, darwin-arm64, windows-x86_64, …"""
    system = platform.system().lower() or sys.platform
    machine = platform.machine().lower()
    return f"{system}-{_ARCHES.get(machine, machine)}"


#: README.txt at the top of the unpacked folder: what an IT person unpacking it needs next.
FOLDER_README = """c2c-desktop {version}: a click-to-call dialer for sales agents, with its own Python and Qt.

Run it from here; the folder can live anywhere (e.g. ~/.local/opt/c2c-desktop).

  ./c2c-desktop                        the window (the first start asks for your keys and phone)
  ./c2c-desktop --demo                 try it against a built-in stand-in service, without an account
  ./c2c-desktop install-desktop-entry  menu entry, icon, and the handler of tel: and callto: links
                                       (run it again after moving this folder)
  ./c2c-desktop --help                 the terminal commands (call, keys, config, contacts, ...)
  ./c2c-desktop team login --url 'postgresql://NAME@HOST/DB?sslmode=verify-full'
                                       join your team's workspace (the password your manager gave you)

Start at login: Settings -> Desktop -> "Start at login, hidden in the tray".
Remove: ./c2c-desktop uninstall-desktop-entry, then delete this folder. Your contacts and journal stay in
~/.local/share/c2c-desktop, your settings in ~/.config/c2c-desktop, your keys in the system keyring.
"""


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def pack(folder: Path, archive_base: Path) -> Path:
    """`folder` packed as archive_base.tar.gz (its top folder kept), or .zip on Windows."""
    if os.name == "nt":
        archive = archive_base.with_name(archive_base.name + ".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
            for path in sorted(folder.rglob("*")):
                packed.write(path, Path(folder.name) / path.relative_to(folder))
        return archive
    archive = archive_base.with_name(archive_base.name + ".tar.gz")
    with tarfile.open(archive, "w:gz", compresslevel=6) as packed:
        packed.add(folder, arcname=folder.name)
    return archive


def main() -> int:
    shutil.rmtree(BUILD, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={BUILD / 'dist'}",
        f"--workpath={BUILD / 'work'}",
        str(SPEC),
    ]
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        print(f"{NAME}: PyInstaller failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode
    folder = BUILD / "dist" / NAME
    (folder / "README.txt").write_text(FOLDER_README.format(version=version()), encoding="utf-8")
    DIST.mkdir(exist_ok=True)
    archive = pack(folder, DIST / f"{NAME}-{version()}-{platform_tag()}")
    print(archive.relative_to(ROOT))
    print(f"unpacked: {folder_size(folder) / 2**20:.1f} MiB, packed: {archive.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
