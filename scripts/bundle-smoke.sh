#!/usr/bin/env bash
# Smoke test of the bundle (make bundle), run from its unpacked folder in a clean environment: `env -i` with only
# HOME, the XDG folders (all in a temp dir), DISPLAY and DBUS_SESSION_BUS_ADDRESS. No Python, no venv, no PATH.
#   --version; the stand-in (`simulator`) in the background; `keys set` into a real gnome-keyring in a private D-Bus
#   session; `config set`; `call` against the stand-in -> Connected; `--demo` shown under Xvfb (xdotool), then
#   SIGTERM -> exit 0, with nothing logged about a module that failed to load; the profile's window, and a tel: link
#   launched beside it handed over to that window (exit 0, still one window); team mode against a throwaway
#   PostgreSQL cluster (init, add-agent, login, a claimed call, sync, status).
# Usage: scripts/bundle-smoke.sh [dist/c2c-desktop-VERSION-linux-ARCH.tar.gz]   (default: the newest in dist/)
# Needs: xvfb, xdotool, dbus, gnome-keyring, postgresql (scripts/system-packages.sh test). Works as root, without stdin.
set -euo pipefail
cd "$(dirname "$0")/.."

archive=${1:-$(ls -t dist/c2c-desktop-*.tar.gz 2>/dev/null | head -n 1)}
[ -n "$archive" ] && [ -f "$archive" ] || { echo "bundle-smoke: no bundle found (run make bundle)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
# Team mode's server (step 7): Debian's PostgreSQL, whose programs refuse root: as root they run as `postgres`.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
as_pg=()
[ "$(id -u)" -ne 0 ] || as_pg=(runuser -u postgres --)
stop_postgres() {
  [ -f "$work/pg/data/postmaster.pid" ] || return 0
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
}
cleanup() {
  stop_postgres
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "bundle-smoke: FAILED: $*" >&2; for log in "$work"/*.log; do [ -s "$log" ] && sed "s|^|  $(basename "$log"): |" "$log" >&2; done; exit 1; }
# Poll until a command succeeds (nothing here offers an event to wait on), at most $1 seconds.
wait_for() { local seconds=$1; shift; for _ in $(seq $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }

tar -xzf "$archive" -C "$work"
app="$work/c2c-desktop/c2c-desktop"
[ -x "$app" ] || fail "no executable c2c-desktop/c2c-desktop in $archive"
mkdir -p "$work/home" "$work/data" "$work/config" "$work/cache" "$work/state"
mkdir -m 700 "$work/run"
clean_env=(env -i "HOME=$work/home" "XDG_DATA_HOME=$work/data" "XDG_CONFIG_HOME=$work/config"
  "XDG_CACHE_HOME=$work/cache" "XDG_STATE_HOME=$work/state" "XDG_RUNTIME_DIR=$work/run")
echo "bundle-smoke: $archive unpacked in $work"

# 1. --version
version=$("${clean_env[@]}" "$app" --version </dev/null) || fail "--version exited $?"
[[ "$version" =~ ^c2c-desktop\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed '$version'"
echo "bundle-smoke: --version: $version"

# The desktop entry names the bundle's executable (without PATH, tools are looked up in /bin:/usr/bin).
"${clean_env[@]}" "$app" install-desktop-entry </dev/null >"$work/entry.log" 2>&1 || fail "install-desktop-entry"
grep -qx "Exec=$app %u" "$work/data/applications/c2c-desktop.desktop" || fail "the entry does not run $app"
grep -q "Default for x-scheme-handler/tel: c2c-desktop.desktop" "$work/entry.log" || fail "tel: links not registered"
"${clean_env[@]}" "$app" uninstall-desktop-entry </dev/null >>"$work/entry.log" 2>&1 || fail "uninstall-desktop-entry"
[ ! -e "$work/data/applications/c2c-desktop.desktop" ] || fail "uninstall-desktop-entry left the entry"
echo "bundle-smoke: install-desktop-entry / uninstall-desktop-entry"

# 2. A private D-Bus session with an unlocked gnome-keyring (its files in the temp dir too).
dbus-daemon --session --nofork --address="unix:path=$work/bus" >"$work/dbus.log" 2>&1 &
pids+=($!)
bus="unix:path=$work/bus"
wait_for 10 test -S "$work/bus" || fail "dbus-daemon did not start"
clean_env+=("DBUS_SESSION_BUS_ADDRESS=$bus")
printf 'smoke-pass' | "${clean_env[@]}" /usr/bin/gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$work/keyring.log" 2>&1 &
pids+=($!)
wait_for 10 "${clean_env[@]}" /usr/bin/dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetNameOwner string:org.freedesktop.secrets || fail "no Secret Service on the private bus"

# 3. The stand-in from the bundle, on a free loopback port (it refuses a taken one: try another).
port=""
for _ in 1 2 3 4 5; do
  candidate=$((20000 + RANDOM % 40000))
  "${clean_env[@]}" "$app" simulator --port "$candidate" --ring-seconds 0.2 </dev/null >"$work/simulator.log" 2>&1 &
  sim=$!
  if wait_for 15 grep -q "127.0.0.1:$candidate" "$work/simulator.log" && kill -0 "$sim" 2>/dev/null; then
    pids+=("$sim"); port=$candidate; break
  fi
  kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true
done
[ -n "$port" ] || fail "the stand-in did not start"
echo "bundle-smoke: simulator listening on 127.0.0.1:$port"

# 4. Keys into the real keyring, settings, one call.
printf 'demo-access-key\ndemo-secret-key\n' | "${clean_env[@]}" "$app" keys set >"$work/keys.log" 2>&1 || fail "keys set"
"${clean_env[@]}" "$app" keys status </dev/null >>"$work/keys.log" 2>&1 || fail "keys status after keys set"
grep -q "SecretService" "$work/keys.log" || fail "the keys did not go to the Secret Service"
"${clean_env[@]}" "$app" config set api_url "http://127.0.0.1:$port/ibp_api.php" </dev/null >/dev/null || fail "config set api_url"
"${clean_env[@]}" "$app" config set agent_number 2125550100 </dev/null >/dev/null || fail "config set agent_number"
# Business mode: the company window only, so that the callee's legal calling hours cannot refuse a CI run at night.
"${clean_env[@]}" "$app" config set mode business </dev/null >/dev/null || fail "config set mode"
set +e
"${clean_env[@]}" "$app" call 2125550142 </dev/null >"$work/call.log" 2>&1
code=$?
set -e
[ "$code" -eq 0 ] && grep -q "Connected" "$work/call.log" || fail "call exited $code"
echo "bundle-smoke: call: $(grep Connected "$work/call.log" | head -n 1)"

# 5. The window under Xvfb: --demo shown, found by xdotool, then SIGTERM ends it with exit 0.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >/dev/null 2>&1 &
pids+=($!)
wait_for 15 grep -q . "$work/display" || fail "Xvfb did not start"
display=":$(head -n 1 "$work/display")"
start=$(date +%s%N)
"${clean_env[@]}" "DISPLAY=$display" "$app" --demo </dev/null >"$work/window.log" 2>&1 &
window=$!
pids+=("$window")
wait_for 60 env DISPLAY="$display" xdotool search --onlyvisible --name '^c2c-desktop' || fail "no window appeared"
echo "bundle-smoke: window shown after $(( ($(date +%s%N) - start) / 1000000 )) ms"
sleep 2  # let the background imports after the first paint (libphonenumber, the dialer, the rules) run
kill -TERM "$window"
set +e
wait "$window"
code=$?
set -e
[ "$code" -eq 0 ] || fail "the window exited $code after SIGTERM"
! grep -E -i "traceback|ModuleNotFoundError|ImportError|failed" "$work/window.log" || fail "the window logged a failure"
! grep -q "Detected locale" "$work/window.log" || fail "Qt complained about the locale of a bare environment"
[ -s "$work/c2c-desktop/README.txt" ] || fail "no README.txt in the bundle's folder"

# 6. The profile's own window, then a tel: link launched beside it: handed to that window (no second one), exit 0.
"${clean_env[@]}" "DISPLAY=$display" "$app" </dev/null >"$work/profile-window.log" 2>&1 &
window=$!
pids+=("$window")
wait_for 60 env DISPLAY="$display" xdotool search --onlyvisible --name '^c2c-desktop' || fail "no profile window appeared"
wait_for 30 test -S "$work/run/$(cd "$work/run" && ls | grep '^c2c-desktop-' | head -n 1)" || fail "no hand-off socket"
start=$(date +%s%N)
"${clean_env[@]}" "DISPLAY=$display" "$app" tel:+12125550142 </dev/null >"$work/handoff.log" 2>&1 || fail "the hand-off exited $?"
echo "bundle-smoke: tel: link handed to the running window in $(( ($(date +%s%N) - start) / 1000000 )) ms"
kill -0 "$window" 2>/dev/null || fail "the window ended after the hand-off"
windows=$(DISPLAY="$display" xdotool search --onlyvisible --name '^c2c-desktop' | wc -l)
[ "$windows" -eq 1 ] || fail "$windows windows after the hand-off (one expected)"
kill -TERM "$window"
set +e
wait "$window"
code=$?
set -e
[ "$code" -eq 0 ] || fail "the profile window exited $code after SIGTERM"

# 7. Team mode (psycopg with its own libpq): a throwaway PostgreSQL cluster with passwords (SCRAM); the manager's
#    team init and add-agent, the agent's team login (the password into the keyring), a call claimed on the team
#    server first, team sync, and the manager's team status counting that call.
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || fail "no PostgreSQL server programs (scripts/system-packages.sh test)"
chmod 711 "$work"
mkdir -m 700 "$work/pg"
printf 'smoke-admin-pass\n' >"$work/pg/admin-password"
[ "$(id -u)" -ne 0 ] || chown -R postgres "$work/pg"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U c2c_admin --auth=scram-sha-256 \
  --pwfile="$work/pg/admin-password" --no-sync >"$work/initdb.log" 2>&1 || fail "initdb"
pg_port=""
for _ in 1 2 3 4 5; do
  candidate=$((20000 + RANDOM % 40000))
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -w -t 30 -l "$work/pg/server.log" \
      -o "-p $candidate -k $work/pg -c listen_addresses=127.0.0.1" start >"$work/pg_ctl.log" 2>&1; then
    pg_port=$candidate; break
  fi
done
[ -n "$pg_port" ] || { cp "$work/pg/server.log" "$work/postgres.log" 2>/dev/null || true; fail "PostgreSQL did not start"; }
manager=("${clean_env[@]}" PGPASSWORD=smoke-admin-pass "$app" team)
admin_url="postgresql://c2c_admin@127.0.0.1:$pg_port/postgres"
agent_url="postgresql://alice@127.0.0.1:$pg_port/postgres"
"${manager[@]}" init --url "$admin_url" </dev/null >"$work/team.log" 2>&1 || fail "team init"
printf 'alice-smoke-pass\n' | "${manager[@]}" add-agent alice --url "$admin_url" >>"$work/team.log" 2>&1 \
  || fail "team add-agent"
printf 'alice-smoke-pass\n' | "${clean_env[@]}" "$app" team login --url "$agent_url" >>"$work/team.log" 2>&1 \
  || fail "team login"
grep -q "^signed in as alice" "$work/team.log" || fail "team login did not sign alice in"
set +e
"${clean_env[@]}" "$app" call 2125550143 </dev/null >"$work/team-call.log" 2>&1
code=$?
set -e
[ "$code" -eq 0 ] && grep -q "Connected" "$work/team-call.log" || fail "the team-mode call exited $code"
! grep -q "not team-guarded" "$work/team-call.log" || fail "the team-mode call was not claimed on the server"
"${clean_env[@]}" "$app" team sync </dev/null >>"$work/team.log" 2>&1 || fail "team sync"
grep -q "^pushed 1 call" "$work/team.log" || fail "team sync did not push the call"
"${manager[@]}" status --json --url "$admin_url" </dev/null >"$work/team-status.json" 2>>"$work/team.log" \
  || fail "team status"
grep -q '"calls": 1' "$work/team-status.json" || fail "team status does not count alice's call"
echo "bundle-smoke: team mode: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), login, a claimed call, sync"
stop_postgres

echo "bundle-smoke: OK: --version, the stand-in, keys in the Secret Service, a call Connected, the window, a tel: hand-off, team mode"
