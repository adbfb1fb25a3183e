#!/usr/bin/env bash
# Run every cargo-fuzz target (or the ones named) for a bounded time each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # default: 60 s for each of the targets below
#
# New inputs that reach new code are added to fuzz/corpus/<target>/ (keep the ones worth
# keeping; FUZZ_CMIN=1 minimises each corpus after its run). A crash leaves its input in
# fuzz/artifacts/<target>/ (gitignored) and makes this script exit 1 once every target has run;
# reproduce one with `cargo fuzz run <target> fuzz/artifacts/<target>/crash-…`. Each run's
# libFuzzer output is in fuzz/artifacts/<target>.log.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler. On a stable toolchain the
# nightly-only flags cargo-fuzz passes are allowed with RUSTC_BOOTSTRAP=1, set here.
# FUZZ_SANITIZER (default none: the code is safe Rust, and address doubles the run time),
# FUZZ_JOBS (parallel jobs per target, default 1) and CARGO_TARGET_DIR are honoured.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
ALL=(sanitize xray_segments otel_spans insights_rows config_file keymap_file theme_file rules_file pricing_file)

secs=60
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
    secs=$1
    shift
fi
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${ALL[@]}")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi
export RUSTC_BOOTSTRAP=1
san=${FUZZ_SANITIZER:-none}
jobs=${FUZZ_JOBS:-1}

echo "building the fuzz targets (sanitizer: $san)…"
if [[ ${#targets[@]} -eq 1 ]]; then
    cargo fuzz build -s "$san" "${targets[0]}"
else
    cargo fuzz build -s "$san"
fi

mkdir -p artifacts
failed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    case $t in
        xray_segments | otel_spans | insights_rows) args+=(-max_len=16384 -dict="dicts/$t.dict") ;;
        config_file | keymap_file | theme_file | rules_file | pricing_file) args+=(-max_len=8192 -dict=dicts/toml.dict) ;;
    esac
    [[ $jobs -gt 1 ]] && args+=(-fork="$jobs")
    echo "== $t: ${secs}s"
    log="artifacts/$t.log"
    if cargo fuzz run -s "$san" "$t" "corpus/$t" -- "${args[@]}" >"$log" 2>&1; then
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        echo "   ok: ${execs:-?} runs, ${rate:-?} execs/s, corpus $(find "corpus/$t" -type f | wc -l) files"
    else
        echo "   FAILED: see $log and artifacts/$t/" >&2
        grep -m3 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" >&2 || tail -5 "$log" >&2
        failed+=("$t")
    fi
    if [[ ${FUZZ_CMIN:-0} == 1 ]]; then
        cargo fuzz cmin -s "$san" "$t" "corpus/$t" >>"$log" 2>&1 || true
        echo "   minimised: $(find "corpus/$t" -type f | wc -l) files, $(du -sh "corpus/$t" | cut -f1)"
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "crashes in: ${failed[*]}" >&2
    exit 1
fi
echo "no crashes"
