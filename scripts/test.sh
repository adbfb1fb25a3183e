#!/usr/bin/env bash
# nightjar's test command: lint, then every test against a private AWS emulator.
#
#   scripts/test.sh                            fmt --check, clippy -D warnings, cargo test --all-targets
#   scripts/test.sh --test aws emulator_logs::  extra arguments go to `cargo test`: one binary, one module
#   scripts/test.sh --lib                      the unit tests only
#   NIGHTJAR_SKIP_LINT=1 scripts/test.sh       skip fmt and clippy (quick local loops)
#
# The integration tests are four binaries (Cargo.toml's [[test]]s), each a main.rs with one module
# per area: `aws` (tests/aws/: emulator_*, faults, prices_real_fixtures), `terminal`
# (tests/terminal/: tmux-driven terminal_safety and terminal_colours, hostile_text), `ui`
# (tests/ui/: the ui_* pane snapshots) and `offline` (tests/offline/: real_fixtures, replay,
# demo_incident, runaway_demo, prices_catalogue, read_only, soak). A test's name is
# `module::test`, so `--test ui ui_logs::` or `--test aws faults::backoff` pick them out.
#
# The emulator (scripts/emulator.sh: moto behind tests/emulator/moto_shim.py) gets its own state
# directory and a free port, so concurrent runs do not collide; it is stopped on exit, whatever
# happens. Tests find it through NIGHTJAR_TEST_ENDPOINT; NIGHTJAR_REQUIRE_EMULATOR=1 makes them
# fail rather than skip if it is missing. The AWS environment is reduced to static test
# credentials and us-east-1 so nothing from the host (profiles, endpoint overrides, instance
# metadata) leaks in. CARGO_TARGET_DIR is honoured. The exit code is the failing step's, i.e.
# cargo test's when linting passes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

command -v cargo >/dev/null 2>&1 || {
    echo "test.sh: error: cargo not found on PATH (install Rust with rustup)" >&2
    exit 127
}

step() { printf '\n==> %s\n' "$*" >&2; }

# --- a clean AWS environment --------------------------------------------------------------------
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -E '^AWS_ENDPOINT_URL' || true)
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_DEFAULT_REGION \
    AWS_ROLE_ARN AWS_ROLE_SESSION_NAME AWS_WEB_IDENTITY_TOKEN_FILE \
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
    AWS_USE_FIPS_ENDPOINT AWS_USE_DUALSTACK_ENDPOINT AWS_IGNORE_CONFIGURED_ENDPOINT_URLS \
    AWS_SDK_UA_APP_ID AWS_MAX_ATTEMPTS AWS_RETRY_MODE \
    NIGHTJAR_TEST_ENDPOINT NIGHTJAR_EMULATOR_DIR
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export NIGHTJAR_REQUIRE_EMULATOR=1

# The terminal-safety tests drive the real binary in tmux; on a machine without it, install it
# (they would otherwise skip, and CI must not skip them).
if ! command -v tmux >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    printf '\n==> installing tmux for the terminal tests\n' >&2
    { apt-get install -y -q --no-install-recommends tmux </dev/null >&2 ||
        { apt-get update -q </dev/null >&2 && apt-get install -y -q --no-install-recommends tmux </dev/null >&2; }; } ||
        echo "test.sh: warning: could not install tmux; the terminal tests will fail" >&2
fi
export NIGHTJAR_REQUIRE_TMUX=1

state=$(mktemp -d "${TMPDIR:-/tmp}/nightjar-test.XXXXXX")
# Empty shared config/credentials files: a developer's ~/.aws cannot change what tests see.
: >"$state/aws-config"
: >"$state/aws-credentials"
export AWS_CONFIG_FILE="$state/aws-config" AWS_SHARED_CREDENTIALS_FILE="$state/aws-credentials"

emulator_started=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$emulator_started" ]]; then
        if [[ $rc -ne 0 && -s "$state/emulator.log" ]]; then
            echo "--- emulator log (last 40 lines) ---" >&2
            grep -v '" 200 -$' "$state/emulator.log" | tail -n 40 >&2 || true
        fi
        "$root/scripts/emulator.sh" stop "$state" || true
    fi
    rm -rf "$state"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- lint ------------------------------------------------------------------------------------------
if [[ "${NIGHTJAR_SKIP_LINT:-0}" != 1 ]]; then
    step "cargo fmt --check"
    cargo fmt --check
    step "cargo clippy --all-targets -- -D warnings"
    cargo clippy --all-targets -- -D warnings
fi

# --- emulator --------------------------------------------------------------------------------------
step "starting the AWS emulator"
emulator_started=1
exports=$("$root/scripts/emulator.sh" start "$state" </dev/null)
eval "$exports"
echo "NIGHTJAR_TEST_ENDPOINT=$NIGHTJAR_TEST_ENDPOINT" >&2

# --- tests -----------------------------------------------------------------------------------------
# --all-targets unless the caller picked targets (cargo lets --all-targets override --test etc.).
targets=(--all-targets)
for arg in "$@"; do
    [[ "$arg" == -- ]] && break
    case "$arg" in
        --lib | --bins | --bin | --bin=* | --tests | --test | --test=* | --examples | --example | \
            --example=* | --benches | --bench | --bench=* | --doc | --all-targets)
            targets=()
            break
            ;;
    esac
done
step "cargo test ${targets[*]} $*"
cargo test "${targets[@]}" "$@"
