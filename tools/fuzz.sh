#!/usr/bin/env bash
# Runs acrpc's fuzz targets (fuzz/, cargo-fuzz + libFuzzer; needs a nightly
# toolchain and `cargo install cargo-fuzz`).
#
#   tools/fuzz.sh seed                      write the seed corpora (fuzz/corpus/)
#   tools/fuzz.sh run [TARGET...]           fuzz until stopped (RUNS / SECONDS below)
#   tools/fuzz.sh smoke                     every target for 30 s (CI)
#   tools/fuzz.sh repro TARGET FILE         run one input (a crash artifact) once
#   tools/fuzz.sh tmin TARGET FILE          minimise a crashing input
#   tools/fuzz.sh list                      the targets
#
# Environment: RUNS=N stops each target after N executions; SECONDS_PER_TARGET=S
# after S seconds; ACRPC_FUZZ_TARGET_DIR=DIR builds there (CI: a cache outside the clone).
# Targets run one at a time under `nice -n 19`.
# Resource limits are part of every run, so hangs and blow-ups are crashes:
# 2 GB of memory (RSS and a single allocation), 10 s per input.
# A crash leaves its input in fuzz/artifacts/<target>/; reproduce it with
# `repro`, minimise it with `tmin` (same build flags as the run) and keep it
# as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(compile fmt expr inputs lsp)
LIMITS=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10)

max_len() {
  case "$1" in
    expr) echo 512 ;;
    inputs|lsp) echo 65536 ;;
    *) echo 16384 ;;
  esac
}

have_fuzz() {
  rustup toolchain list 2>/dev/null | grep -q '^nightly' && cargo +nightly fuzz --version >/dev/null 2>&1
}

# The build every command uses: optimised, with debug assertions, no
# sanitizer (safe Rust; the limits below catch hangs and blow-ups).
build_flags() {
  BUILD=(-O --debug-assertions -s none)
  # CI points this at a cache outside the clone, so a fresh clone reuses the
  # fuzz build (dependencies only; acrpc itself is rebuilt).
  [ -n "${ACRPC_FUZZ_TARGET_DIR:-}" ] && BUILD+=(--target-dir "$ACRPC_FUZZ_TARGET_DIR")
  return 0
}

run_target() {
  local t=$1; shift
  mkdir -p "fuzz/corpus/$t"
  build_flags
  (cd fuzz && nice -n 19 cargo +nightly fuzz run "${BUILD[@]}" "$t" "corpus/$t" -- \
    "${LIMITS[@]}" -max_len="$(max_len "$t")" -print_final_stats=1 "$@")
}

# One input, given relative to the repository root or absolute.
one_input() {
  local cmd=$1 t=$2 file
  file=$(realpath "$3")
  build_flags
  if [ "$cmd" = tmin ]; then
    (cd fuzz && cargo +nightly fuzz tmin "${BUILD[@]}" "$t" "$file" -- "${LIMITS[@]}")
  else
    (cd fuzz && cargo +nightly fuzz run "${BUILD[@]}" "$t" "$file" -- "${LIMITS[@]}")
  fi
}

cmd=${1:-run}
shift || true
case "$cmd" in
  list) printf '%s\n' "${TARGETS[@]}" ;;
  seed) python3 tools/fuzz_seed.py ;;
  smoke)
    if ! have_fuzz; then
      echo "fuzz smoke: skipped (needs a nightly toolchain and cargo-fuzz: rustup toolchain install nightly; cargo install cargo-fuzz)"
      exit 0
    fi
    python3 tools/fuzz_seed.py
    for t in "${TARGETS[@]}"; do
      echo "== fuzz smoke: $t (30 s)"
      run_target "$t" -max_total_time=30
    done
    ;;
  run)
    have_fuzz || { echo "needs a nightly toolchain and cargo-fuzz" >&2; exit 2; }
    [ -d fuzz/corpus ] || python3 tools/fuzz_seed.py
    extra=()
    [ -n "${RUNS:-}" ] && extra+=(-runs="$RUNS")
    [ -n "${SECONDS_PER_TARGET:-}" ] && extra+=(-max_total_time="$SECONDS_PER_TARGET")
    [ $# -gt 0 ] || set -- "${TARGETS[@]}"
    for t in "$@"; do
      echo "== fuzz: $t"
      run_target "$t" "${extra[@]}"
    done
    ;;
  repro|tmin)
    [ $# -eq 2 ] || { echo "usage: tools/fuzz.sh $cmd TARGET FILE" >&2; exit 2; }
    have_fuzz || { echo "needs a nightly toolchain and cargo-fuzz" >&2; exit 2; }
    one_input "$cmd" "$1" "$2"
    ;;
  *) echo "usage: tools/fuzz.sh seed | run [TARGET...] | smoke | repro TARGET FILE | tmin TARGET FILE | list" >&2; exit 2 ;;
esac
