#!/usr/bin/env bash
# The decoder tests once more, against the compiled decoder built with gcc's
# AddressSanitizer and UndefinedBehaviorSanitizer (the ASan runtime preloaded into
# the Python process).  Any sanitizer report fails the run.  Run from an activated
# venv with the package's dev extra installed.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r sse_codec "$scratch/"
rm -f "$scratch"/sse_codec/_cdecoder*.so
include="$(python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suffix="$(python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
gcc -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1 \
    -Wall -Wextra -Werror -fPIC -shared -I"$include" \
    sse_codec/_cdecoder.c -o "$scratch/sse_codec/_cdecoder$suffix"

export PYTHONPATH="$scratch"
export LD_PRELOAD
LD_PRELOAD="$(gcc -print-file-name=libasan.so)"
# CPython keeps memory until exit by design: leak detection off, everything else on.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Every example-based test, and hypothesis with few examples: ASan makes the run
# several times slower, and the full-size hypothesis runs are the main suite's.
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-dev}"
# -P: the scratch build, not the checkout's, must be the one imported.
python -P -c 'import sse_codec._cdecoder as m, sys
sys.exit(0 if m.__file__.startswith(sys.argv[1]) else "sanitize.sh: not the sanitized build: " + m.__file__)' "$scratch"
python -P -m pytest -q -p no:cacheprovider \
    tests/test_cdecoder.py tests/test_cdecoder_differential.py tests/test_decoder.py \
    tests/test_decoder_contract.py tests/test_peer_pitfalls.py tests/test_properties.py \
    tests/test_spec_examples.py tests/test_streams.py tests/test_testing_faults.py \
    tests/test_iter_events.py
