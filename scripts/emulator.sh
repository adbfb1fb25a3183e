#!/usr/bin/env bash
# nightjar's local AWS emulator: moto 5.2.5 behind tests/emulator/moto_shim.py (CloudWatch CBOR
# translation, X-Ray Users fix, nearest-rank percentiles). One loopback port serves CloudWatch,
# CloudWatch Logs, X-Ray and STS.
#
#   scripts/emulator.sh install          create/refresh the Python venv only
#   scripts/emulator.sh start [DIR]      start (or reuse) an emulator; prints shell exports on stdout:
#                                          export NIGHTJAR_TEST_ENDPOINT=http://127.0.0.1:PORT
#                                          export NIGHTJAR_EMULATOR_DIR=DIR
#   scripts/emulator.sh stop [DIR]       stop it
#   scripts/emulator.sh status [DIR]     exit 0 and print the endpoint if it is running
#
#   eval "$(scripts/emulator.sh start)" && cargo test; scripts/emulator.sh stop
#
# DIR holds emulator.pid, port and emulator.log. It defaults to $NIGHTJAR_EMULATOR_DIR, else
# ${TMPDIR:-/tmp}/nightjar-emulator-$UID; give each concurrent run its own DIR (scripts/test.sh does).
# The port is chosen by the OS (--port 0) unless NIGHTJAR_EMULATOR_PORT is set.
#
# Environment:
#   NIGHTJAR_VENV             venv location (default $HOME/.cache/nightjar/venv-moto). It is reused
#                             while its stamp matches tests/emulator/requirements.txt and the Python
#                             in use; otherwise it is rebuilt.
#   NIGHTJAR_PYTHON           interpreter used to create the venv (default python3, needs >= 3.9)
#   NIGHTJAR_EMULATOR_TIMEOUT seconds to wait for readiness (default 20)
#
# Progress goes to stderr; stdout carries only the exports. Needs no stdin. Unknown regions are
# rejected (MOTO_ALLOW_NONEXISTENT_REGION is removed from the emulator's environment), and the
# account is moto's default 123456789012 (MOTO_ACCOUNT_ID is removed too).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
emu_dir="$root/tests/emulator"
requirements="$emu_dir/requirements.txt"
shim="$emu_dir/moto_shim.py"
venv="${NIGHTJAR_VENV:-$HOME/.cache/nightjar/venv-moto}"
python="${NIGHTJAR_PYTHON:-python3}"
timeout="${NIGHTJAR_EMULATOR_TIMEOUT:-20}"

log() { printf 'emulator: %s\n' "$*" >&2; }
die() { printf 'emulator: error: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

state_dir() {
    local d="${1:-${NIGHTJAR_EMULATOR_DIR:-${TMPDIR:-/tmp}/nightjar-emulator-$(id -u)}}"
    mkdir -p "$d"
    (cd "$d" && pwd)
}

# --- venv -------------------------------------------------------------------------------------

stamp_value() {
    # requirements.txt + the base interpreter: a change to either means a new venv
    {
        sha256sum <"$requirements" | cut -d' ' -f1
        "$python" -c 'import sys; print(sys.version.split()[0], sys.base_prefix)'
    } | sha256sum | cut -d' ' -f1
}

venv_ok() {
    [[ -x "$venv/bin/python" && -f "$venv/.nightjar-stamp" ]] || return 1
    [[ "$(cat "$venv/.nightjar-stamp")" == "$1" ]] || return 1
    "$venv/bin/python" -c 'import moto, cbor2, werkzeug, botocore' >/dev/null 2>&1
}

apt_install_venv() {
    # Debian/Ubuntu split venv/ensurepip into python3-venv. Install it only for the system Python
    # (prefix /usr) and only the packages that are missing; never upgrade installed ones.
    command -v apt-get >/dev/null 2>&1 || return 1
    [[ "$("$python" -c 'import sys; print(sys.base_prefix)')" == /usr ]] || return 1
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    local minor pkg pkgs=()
    minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    for pkg in python3-venv "python$minor-venv"; do
        [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == 'install ok installed' ]] || pkgs+=("$pkg")
    done
    [[ ${#pkgs[@]} -gt 0 ]] || return 1
    log "python venv support is missing; installing ${pkgs[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    local apt=("${sudo[@]}" apt-get install -y -q --no-install-recommends --no-upgrade "${pkgs[@]}")
    "${apt[@]}" </dev/null >&2 ||
        { "${sudo[@]}" apt-get update -q </dev/null >&2 && "${apt[@]}" </dev/null >&2; }
}

make_venv() {
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >&2; then
        rm -rf "$venv"
        apt_install_venv || die "'$python -m venv' failed; installing the missing python3-venv with apt-get was not possible (needs the system python3, root or sudo, apt-get)"
        "$python" -m venv "$venv" >&2 || die "'$python -m venv' still fails"
    fi
}

ensure_venv() {
    command -v "$python" >/dev/null 2>&1 || die "$python not found (set NIGHTJAR_PYTHON)"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        die "$python is older than 3.9 (moto 5.2.5 needs >= 3.9); set NIGHTJAR_PYTHON"
    mkdir -p "$(dirname "$venv")"
    local stamp
    stamp=$(stamp_value)
    venv_ok "$stamp" && return 0
    # Concurrent runs share the venv: build it under a lock, and re-check once we hold it.
    exec 9>"$venv.lock"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if venv_ok "$stamp"; then exec 9>&-; return 0; fi
    local t0
    t0=$(now)
    log "creating venv $venv (moto[server], cbor2; ~20-40 s, ~320 MB)"
    make_venv
    PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$venv/bin/python" -m pip install -q -r "$requirements" </dev/null >&2 ||
        { rm -rf "$venv"; die "pip install -r $requirements failed"; }
    "$venv/bin/python" -c 'import moto, cbor2, werkzeug, botocore' ||
        { rm -rf "$venv"; die "venv is unusable after install"; }
    printf '%s\n' "$stamp" >"$venv/.nightjar-stamp"
    exec 9>&-
    log "venv ready in $(elapsed "$t0") s"
}

# --- server -----------------------------------------------------------------------------------

# pid of a live emulator recorded in $1, or nothing
live_pid() {
    local d=$1 pid
    [[ -f "$d/emulator.pid" ]] || return 1
    pid=$(cat "$d/emulator.pid")
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # guard against pid reuse: it must be our shim
    [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *moto_shim.py* ]] || return 1
    echo "$pid"
}

# GET /moto-api/ until it answers, the process dies, or the timeout passes.
wait_ready() {
    local d=$1 pid=$2
    "$venv/bin/python" - "$d/port" "$pid" "$timeout" <<'PY'
import os, sys, time, urllib.request
port_file, pid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("emulator process exited during start-up")
    try:
        port = open(port_file).read().strip()
    except OSError:
        port = ""
    if port:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=2) as r:
                if r.status == 200:
                    sys.exit(0)
        except Exception:
            pass
    time.sleep(0.1)
sys.exit(f"emulator not ready after {timeout:g} s")
PY
}

print_exports() {
    local d=$1
    printf 'export NIGHTJAR_TEST_ENDPOINT=http://127.0.0.1:%s\n' "$(cat "$d/port")"
    printf 'export NIGHTJAR_EMULATOR_DIR=%s\n' "$d"
}

cmd_start() {
    local d pid t0
    d=$(state_dir "${1:-}")
    if pid=$(live_pid "$d") && [[ -s "$d/port" ]] && wait_ready "$d" "$pid" 2>/dev/null; then
        log "reusing emulator pid $pid on port $(cat "$d/port")"
        print_exports "$d"
        return 0
    fi
    if pid=$(live_pid "$d"); then
        log "pid $pid in $d is not answering; replacing it"
        cmd_stop "$d"
    fi
    ensure_venv
    rm -f "$d/emulator.pid" "$d/port"
    t0=$(now)
    # cd / so the emulator never holds a cwd inside the checkout; no stdin; all output to the log.
    (cd / && exec env -u MOTO_ALLOW_NONEXISTENT_REGION -u MOTO_ACCOUNT_ID -u MOTO_PORT \
        "$venv/bin/python" "$shim" --host 127.0.0.1 --port "${NIGHTJAR_EMULATOR_PORT:-0}" \
        --port-file "$d/port" --percentiles </dev/null >"$d/emulator.log" 2>&1) &
    pid=$!
    echo "$pid" >"$d/emulator.pid"
    if ! wait_ready "$d" "$pid"; then
        log "start failed; last lines of $d/emulator.log:"
        tail -n 40 "$d/emulator.log" >&2 || true
        kill "$pid" 2>/dev/null || true
        rm -f "$d/emulator.pid"
        exit 1
    fi
    log "started pid $pid on http://127.0.0.1:$(cat "$d/port") in $(elapsed "$t0") s (log: $d/emulator.log)"
    print_exports "$d"
}

cmd_stop() {
    local d pid i
    d=$(state_dir "${1:-}")
    if pid=$(live_pid "$d"); then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "pid $pid ignored SIGTERM; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "stopped pid $pid"
    else
        log "no emulator running for $d"
    fi
    rm -f "$d/emulator.pid" "$d/port"
}

cmd_status() {
    local d pid
    d=$(state_dir "${1:-}")
    pid=$(live_pid "$d") || { log "not running ($d)"; return 1; }
    log "running: pid $pid, http://127.0.0.1:$(cat "$d/port")"
    print_exports "$d"
}

case "${1:-}" in
    install) ensure_venv ;;
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    status) cmd_status "${2:-}" ;;
    *)
        echo "usage: $0 {install|start [DIR]|stop [DIR]|status [DIR]}" >&2
        exit 2
        ;;
esac
