#!/usr/bin/env bash
# The compiler under AddressSanitizer + UndefinedBehaviorSanitizer (clang 19: UBSan also
# checks float-to-integer casts), then its fuzzers:
#   scripts/sanitize-test.sh [FUZZ_SECONDS]
# 1. builds build-sanitize (-DMODELC_SANITIZE=ON -DMODELC_FUZZERS=ON) and runs the test
#    suite there, except the cross tests (firmware under QEMU runs code modelc generated,
#    not modelc; the host tests compile the same models) and the packaging tests;
# 2. runs each libFuzzer target (tests/fuzz) for FUZZ_SECONDS (default 60) from a seed
#    corpus of the project's models, the fuzz reproducers and ONNX's node tests, and fails
#    on any crash (the input is left in build-sanitize/fuzz/). A longer local run:
#      build-sanitize/tests/fuzz/modelc_fuzz_binary -max_total_time=3600 -timeout=30 \
#        -rss_limit_mb=4096 build-sanitize/fuzz/corpus-binary
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${1:-60}
build=build-sanitize
CC=clang-19 CXX=clang++-19 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMODELC_SANITIZE=ON -DMODELC_FUZZERS=ON -DMODELC_BUILD_SAMPLES=OFF > /dev/null
cmake --build "$build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -E '^(cross|install|python)\.'

# Seed corpora: binary models and text models.
fuzz="$build/fuzz"
rm -rf "$fuzz" && mkdir -p "$fuzz/corpus-binary" "$fuzz/corpus-text" "$fuzz/findings"
n=0
for model in models/*.onnx tests/data/*/*.onnx tests/data/fuzz/*/model.onnx "$build"/tests/onnx_node_current/test_*/model.onnx; do
  [ -f "$model" ] || continue
  n=$((n + 1))
  cp "$model" "$fuzz/corpus-binary/seed-$n.onnx"
done
for model in tests/models/*.onnxtxt tests/data/*/*.onnxtxt; do
  [ -f "$model" ] || continue
  n=$((n + 1))
  cp "$model" "$fuzz/corpus-text/seed-$n.onnxtxt"
done
status=0
for syntax in binary text; do
  log="$fuzz/$syntax.log"
  if ! "$build/tests/fuzz/modelc_fuzz_$syntax" -max_total_time="$fuzz_seconds" -timeout=30 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$fuzz/findings/$syntax-" "$fuzz/corpus-$syntax" > "$log" 2>&1; then
    status=1
    echo "fuzzer $syntax FOUND A CRASH: $(ls "$fuzz/findings" | head -3)"; tail -40 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'exec/s: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  echo "fuzzer $syntax: $runs executions in ${fuzz_seconds}s (${rate} exec/s), $(ls "$fuzz/findings" | grep -c "^$syntax-" || true) crashes"
done
exit $status
