#!/usr/bin/env bash
# Makes sure the Debian packages a target needs are present.
# As root: installs what is missing (one `apt-get update` first). Otherwise: prints the exact apt line and fails.
# Usage: scripts/system-packages.sh run|team|test|bundle
set -euo pipefail

# Qt's offscreen platform, and a real X window (xcb) for `make run` on a desktop.
runtime="libglib2.0-0 libxkbcommon0 libfreetype6 libfontconfig1 fonts-dejavu-core libdbus-1-3 libx11-6 libgl1 libegl1
 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0
 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0"
# Tests: a virtual screen, a real Secret Service in a private D-Bus session, tools to drive and look at windows, a
# fake clock for the calling-rules CLI test (libfaketime), xdg-open/xdg-mime and desktop-file-validate for the
# desktop entry, objdump (binutils), which PyInstaller needs to build the bundle, a window manager (openbox) for
# the tel: hand-off test, where "the window became active" means what it means on a desktop, a tray host (trayer)
# and a notification daemon (dunst) for the tray tests, xwininfo (x11-utils) to see the icon embedded, and the
# PostgreSQL server for the team workspace's tests (tests/pg_cluster.py runs initdb/pg_ctl as the package's
# `postgres` user through runuser, which util-linux always brings).
testing="xvfb xauth dbus gnome-keyring xdotool imagemagick faketime xdg-utils desktop-file-utils binutils openbox
 dunst trayer x11-utils postgresql"

case "${1:-}" in
  run) wanted="$runtime" ;;
  team) wanted="$runtime postgresql" ;;  # make team-demo: the windows and a throwaway PostgreSQL cluster
  test) wanted="$runtime $testing" ;;
  bundle) wanted="binutils" ;;
  *) echo "usage: $0 run|team|test|bundle" >&2; exit 2 ;;
esac

missing=()
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Not a Debian system: install the equivalents of: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" </dev/null
