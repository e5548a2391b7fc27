#!/usr/bin/env bash
# Coverage-guided fuzzing of the compiled decoder against the Python reference
# (tests/fuzz_cdecoder.py), with atheris.  Usage: .ci/fuzz.sh [SECONDS] [CORPUS_DIR]
# (default 60 s, a fresh corpus seeded from tests/fixtures/*.sse).
#
# With clang, the extension is rebuilt with libFuzzer's coverage instrumentation and
# AddressSanitizer into a scratch copy of the package, so the fuzzer is guided by the
# C code's branches and memory errors are caught; without clang, by the Python
# code's only (said on stderr).  Run from an activated venv with the package's dev
# extra installed; exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
corpus="${2:-}"

python -m pip install --quiet 'atheris>=2.3'
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r sse_codec "$scratch/"
rm -f "$scratch"/sse_codec/_cdecoder*.so

atheris_dir="$(python -c 'import atheris, os; print(os.path.dirname(atheris.path()) if os.path.isfile(atheris.path()) else atheris.path())')"
preload=""
if command -v clang >/dev/null 2>&1; then
    include="$(python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
    suffix="$(python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
    clang -fsanitize=fuzzer-no-link,address -fno-omit-frame-pointer -g -O1 -fPIC -shared \
        -I"$include" sse_codec/_cdecoder.c -o "$scratch/sse_codec/_cdecoder$suffix"
    preload="$atheris_dir/asan_with_fuzzer.so"
else
    echo "fuzz.sh: no clang: the C code is fuzzed without coverage feedback or ASan" >&2
    cp sse_codec/_cdecoder*.so "$scratch/sse_codec/"
fi

# CPython itself "leaks" at exit by design: leak detection off, everything else on.
PYTHONPATH="$scratch" LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    python -P -c 'import sse_codec._cdecoder as m, sys; sys.exit(0 if m.__file__.startswith(sys.argv[1]) else "fuzz.sh: not the scratch build: " + m.__file__)' "$scratch"
args=(-max_total_time="$seconds" -max_len=2048 -rss_limit_mb=4096 -print_final_stats=1)
[ -n "$corpus" ] && args+=("$corpus")
# (TMPDIR: the seed corpus the target makes when given none is removed with $scratch.)
TMPDIR="$scratch" PYTHONPATH="$scratch" LD_PRELOAD="$preload" \
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
    python tests/fuzz_cdecoder.py "${args[@]}"
