#!/usr/bin/env bash
# Creates benchmarks/.venv-basic-pitch: Spotify's Basic Pitch 0.4.0 for the side-by-side benchmark,
# without TensorFlow (Basic Pitch then runs the ONNX model it ships, on onnxruntime).
# Idempotent: does nothing when the venv already imports basic_pitch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-basic-pitch"
py="${PYTHON:-python3}"

# the benchmark reads peak memory from GNU time
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq time
fi

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import basic_pitch.inference" 2>/dev/null; then
    echo "peer venv ready: $venv"
    exit 0
fi
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
# --no-deps: basic-pitch's own requirements pull in tensorflow on Linux; its runtime needs are listed here.
"$venv/bin/pip" install --quiet --no-deps "basic-pitch==0.4.0"
# Pinned to the versions the recorded peer numbers were measured with (resampy must stay < 0.4.3).
"$venv/bin/pip" install --quiet onnxruntime==1.32.0 librosa==0.11.0 resampy==0.4.2 scikit-learn==1.9.1 \
    mir_eval==0.8.2 pretty_midi==0.2.11.post0 numpy==2.4.6 scipy==1.17.1 mido==1.3.3 \
    typing_extensions==4.16.0 soundfile==0.14.0
"$venv/bin/python" -c "import logging; logging.disable(logging.WARNING); import basic_pitch.inference"
# warm-up on a 2 s tone: the first run compiles and caches numba code (resampy, librosa), a one-time
# cost of the install that would otherwise land in the first benchmark timing
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$venv/bin/python" -c "import sys, numpy as np, soundfile as sf; t = np.arange(2 * 22050) / 22050; sf.write(sys.argv[1], 0.3 * np.sin(2 * np.pi * 440 * t), 22050)" "$tmp/tone.wav"
"$venv/bin/python" "$here/peer_basic_pitch.py" --out-dir "$tmp" "$tmp/tone.wav" >/dev/null
echo "peer venv ready: $venv"
