#!/usr/bin/env bash
# Creates benchmarks/.venv-transkun: Transkun V2 (transkun 2.0.1, the piano specialist with its
# shipped weights, sustain pedal included) for the piano benchmark, on a CPU build of PyTorch.
# Idempotent: does nothing when the venv already imports the model.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv-transkun"
py="${PYTHON:-python3}"

# the benchmark reads peak memory from GNU time
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq time
fi

ready() {
    "$venv/bin/python" -c "import torchaudio, transkun.ModelTransformer" 2>/dev/null
}
if [ -x "$venv/bin/python" ] && ready; then
    echo "transkun venv ready: $venv"
    exit 0
fi
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
# torch pinned: a plain `torch` pulls the multi-GB CUDA build; where pip finds the CPU wheel
# (a local find-links, or PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu) it takes that.
# Pinned to the versions the recorded peer numbers were measured with.
"$venv/bin/pip" install --quiet torch==2.13.0 torchaudio==2.11.1 moduleconf==0.1.4 \
    pretty_midi==0.2.11.post0 mir_eval==0.8.2 numpy==2.4.6 scipy==1.17.1 soundfile==0.14.0 soxr==1.1.0 \
    mido==1.3.3 typing_extensions==4.16.0 filelock==4.3.2 fsspec==2026.9.0 Jinja2==3.1.6 MarkupSafe==3.0.4 \
    networkx==3.6.1 sympy==1.14.0 mpmath==1.3.0 cffi==2.1.1 pycparser==3.12 decorator==5.3.2 six==1.17.0 \
    importlib_resources==7.1.0 packaging==26.4
# --no-deps: transkun's declared requirements add its training and plotting tools (tensorboard,
# seaborn, matplotlib, torch-optimizer, sox, pydub, ncls); transcription needs only the list above.
"$venv/bin/pip" install --quiet --no-deps "transkun==2.0.1"
# PyPI's torchaudio carries C++ extensions linked against CUDA torch, which a CPU torch cannot load.
# Transkun uses torchaudio only for its mel filter bank (pure Python, and the checkpoint stores the
# bank anyway); without the extension libraries torchaudio imports in pure-Python mode.
if [ "$("$venv/bin/python" -c 'import torch; print(torch.version.cuda is None)')" = True ]; then
    rm -f "$("$venv/bin/python" -c 'import importlib.util as u, os; print(os.path.dirname(u.find_spec("torchaudio").origin))')"/lib/*.so
fi
ready || { echo "error: transkun does not import in $venv" >&2; exit 1; }
# warm-up on a 2 s tone: the first run pays one-time costs (bytecode, the 50 MB checkpoint from disk)
# that would otherwise land in the first benchmark timing
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$venv/bin/python" -c "import sys, numpy as np, soundfile as sf; t = np.arange(2 * 44100) / 44100; sf.write(sys.argv[1], 0.3 * np.sin(2 * np.pi * 440 * t), 44100)" "$tmp/tone.wav"
"$venv/bin/python" "$here/peer_transkun.py" --out-dir "$tmp" "$tmp/tone.wav" >/dev/null
echo "transkun venv ready: $venv"
