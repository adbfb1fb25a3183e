#!/usr/bin/env bash
# Run every cargo-fuzz target (or the ones named) for a bounded time each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      # default: 60 s for each of the targets below
#
# Each target starts from its kept corpus, fuzz/corpus/<target>/ (in git), and writes what it
# finds to fuzz/scratch/<target>/ (not in git), so a run leaves the kept corpus alone.
# FUZZ_KEEP=1 then minimises kept + found into fuzz/corpus/<target>/ (libFuzzer's set-cover
# merge: the fewest inputs that reach the same code). A crash leaves its input in
# fuzz/artifacts/<target>/ and makes the script exit 1 once every target has run; reproduce it
# with `cargo fuzz run -s none <target> fuzz/artifacts/<target>/crash-…`. Each run's libFuzzer
# output is in fuzz/artifacts/<target>.log.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler. On a stable toolchain the
# nightly-only flags cargo-fuzz passes are allowed with RUSTC_BOOTSTRAP=1, set here.
# FUZZ_SANITIZER (default none: the code is safe Rust, and address halves the speed),
# FUZZ_JOBS (parallel fuzzing processes per target, default 1) and CARGO_TARGET_DIR are honoured.
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

# inputs longer than this are not tried (nor kept)
max_len() {
    case $1 in
        xray_segments | otel_spans | insights_rows) echo 8192 ;;
        *) echo 4096 ;;
    esac
}
dict() {
    case $1 in
        xray_segments | otel_spans | insights_rows) echo "-dict=dicts/$1.dict" ;;
        config_file | keymap_file | theme_file | rules_file | pricing_file) echo "-dict=dicts/toml.dict" ;;
    esac
}
count() { find "$1" -type f | wc -l; }

failed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "scratch/$t" "artifacts/$t"
    args=(-max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    d=$(dict "$t")
    [[ -n $d ]] && args+=("$d")
    [[ $jobs -gt 1 ]] && args+=(-fork="$jobs")
    echo "== $t: ${secs}s"
    log="artifacts/$t.log"
    if cargo fuzz run -s "$san" "$t" "scratch/$t" "corpus/$t" -- "${args[@]}" >"$log" 2>&1; then
        execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        rate=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
        cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1)
        echo "   ok: ${execs:-?} runs, ${rate:-?} execs/s, ${cov:-cov: ?} edges, $(count "scratch/$t") new inputs"
    else
        echo "   FAILED: see $log and artifacts/$t/" >&2
        grep -a -m3 -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" >&2 || tail -5 "$log" >&2
        failed+=("$t")
    fi
    if [[ ${FUZZ_KEEP:-0} == 1 ]]; then
        # set-cover merge of kept + found into a fresh directory, which becomes the kept corpus
        rm -rf "scratch/$t.min" && mkdir -p "scratch/$t.min"
        if cargo fuzz run -s "$san" "$t" "scratch/$t.min" "corpus/$t" "scratch/$t" -- \
            -set_cover_merge=1 -max_len="$(max_len "$t")" -timeout=10 >>"$log" 2>&1; then
            rm -rf "corpus/$t" && mv "scratch/$t.min" "corpus/$t" && rm -rf "scratch/$t"
            echo "   kept: $(count "corpus/$t") inputs, $(du -sh "corpus/$t" | cut -f1)"
        else
            echo "   merging the corpus failed (see $log); fuzz/corpus/$t unchanged" >&2
        fi
    fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "crashes in: ${failed[*]}" >&2
    exit 1
fi
echo "no crashes"
