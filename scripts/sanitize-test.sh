#!/usr/bin/env bash
# The compiler under AddressSanitizer + UndefinedBehaviorSanitizer (clang 19: UBSan also
# checks float-to-integer casts), then its fuzzers; CI runs it after scripts/test.sh:
#   scripts/sanitize-test.sh [FUZZ_SECONDS]
# 1. builds build-sanitize (-DMODELC_SANITIZE=ON -DMODELC_FUZZERS=ON; -O1 with line
#    tables only: a cheaper build than -O2 -g whose reports still name files and lines;
#    the tests' own code -O0 in every build, tests/CMakeLists.txt)
#    and runs the test suite there (SANITIZE_OPTIMIZATION=-O0 for an unoptimised
#    build, docs/testing.md). The conformance tests, the cross tests (all nine targets)
#    and lower_only.test_models (in place of the end-to-end model tests) only lower
#    their models there (tests/CMakeLists.txt says why): modelc's stages up to the
#    verified LLVM IR run under the sanitizers for every model; LLVM's code generation
#    (not instrumented), running the models and comparing their answers, and the
#    firmware's build and QEMU's runs are left to the normal build (docs/testing.md
#    lists what else of modelc's code that leaves to the CLI tests);
# 2. runs the two libFuzzer targets (tests/fuzz) at once for FUZZ_SECONDS (default 60)
#    from a seed corpus of the project's models, the fuzz reproducers and ONNX's node
#    tests, prints each one's executions, exec/s and crashes, and fails on any crash
#    (the input is left in build-sanitize/fuzz/findings). A longer local run:
#      build-sanitize/tests/fuzz/modelc_fuzz_binary -max_total_time=3600 -timeout=30 \
#        -rss_limit_mb=4096 -print_final_stats=1 build-sanitize/fuzz/corpus-binary
# Its time on the 2-core CI machine: .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh  # clang-19 and its sanitizer and libFuzzer runtimes (libclang-rt-19-dev)
fuzz_seconds=${1:-60}
build=build-sanitize
optimization=${SANITIZE_OPTIMIZATION:--O1}
CC=clang-19 CXX=clang++-19 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$optimization -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$optimization -gline-tables-only -DNDEBUG" \
  -DMODELC_SANITIZE=ON -DMODELC_FUZZERS=ON -DMODELC_BUILD_SAMPLES=OFF > /dev/null
start=$SECONDS
cmake --build "$build"
echo "sanitize-test: build $((SECONDS - start)) s"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Reports with function names, files and lines, from LLVM 19's symbolizer (llvm-19,
# which llvm-19-dev brings), not whichever llvm-symbolizer is first on the PATH.
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-19/bin/llvm-symbolizer
start=$SECONDS
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
echo "sanitize-test: ctest $((SECONDS - start)) s"
start=$SECONDS

# Seed corpora: binary models (ONNX and TFLite, told apart by content) and text models.
fuzz="$build/fuzz"
rm -rf "$fuzz" && mkdir -p "$fuzz/corpus-binary" "$fuzz/corpus-text" "$fuzz/findings"
n=0
for model in models/*.onnx tests/data/*/*.onnx tests/data/tflite/*.tflite tests/data/tflite_int8/*.tflite \
             "$build"/tests/onnx_node_current/test_*/model.onnx; do
  [ -f "$model" ] || continue
  # The int8 TFLite operator models, not its MLPerf networks (each run would take seconds).
  case $model in tests/data/tflite_int8/*) [ "$(stat -c %s "$model")" -le 32768 ] || continue ;; esac
  n=$((n + 1))
  cp "$model" "$fuzz/corpus-binary/seed-$n.onnx"
done
for model in tests/models/*.onnxtxt tests/data/*/*.onnxtxt; do
  [ -f "$model" ] || continue
  n=$((n + 1))
  cp "$model" "$fuzz/corpus-text/seed-$n.onnxtxt"
done
# The two fuzzers run at the same time, one per core.
for syntax in binary text; do
  "$build/tests/fuzz/modelc_fuzz_$syntax" -max_total_time="$fuzz_seconds" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$fuzz/findings/$syntax-" "$fuzz/corpus-$syntax" > "$fuzz/$syntax.log" 2>&1 &
  eval "pid_$syntax=$!"
done
status=0
for syntax in binary text; do
  log="$fuzz/$syntax.log"
  pid_var="pid_$syntax"
  if ! wait "${!pid_var}"; then
    status=1
    echo "fuzzer $syntax FOUND A CRASH: $(ls "$fuzz/findings" | grep "^$syntax-" | head -3)"; tail -40 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  # Crashes, leaks, time-outs and out-of-memory inputs; a slow-unit file is not one.
  crashes=$(ls "$fuzz/findings" | grep -cE "^$syntax-(crash|leak|timeout|oom)-" || true)
  echo "fuzzer $syntax: $runs executions in ${fuzz_seconds}s (${rate} exec/s), $crashes crashes"
done
echo "sanitize-test: fuzz $((SECONDS - start)) s"
exit $status
