#!/usr/bin/env bash
# Creates ./.venv (or $VENV) and installs micronet_dense into it: torch first, then
# `pip install -e ".[$EXTRAS]"`, which brings every other dependency the package declares
# (setup.py, requirements/*.txt). The same declarations serve `pip install micronet_dense`.
#   TORCH_SPEC  pip requirement for torch (default torch==2.13.0, the CPU build);
#               e.g. TORCH_SPEC='torch==2.5.1' or a CUDA index via PIP_EXTRA_INDEX_URL.
#   EXTRAS      extras of the package (default: tests, which includes cityscapes and deploy).
#   PYTHON      interpreter that creates the environment (default: python3, >= 3.10).
# Idempotent: re-running only installs what changed. --no-compile: Python compiles only the modules
# it imports, on first import, instead of pip byte-compiling every file of torch (20 s of set-up).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
EXTRAS=${EXTRAS:-tests}
PY=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
    echo "[bootstrap] creating virtual environment $VENV"
    "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip --disable-pip-version-check -q"
stamp="$VENV/.micronet_dense-installed"
want="$(cat setup.py pyproject.toml requirements/*.txt | sha1sum | cut -c1-12) $TORCH_SPEC $EXTRAS"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "[bootstrap] $VENV is up to date"
    exit 0
fi
echo "[bootstrap] installing $TORCH_SPEC (set TORCH_SPEC to choose another torch)"
$PIP install --no-compile "$TORCH_SPEC"
echo "[bootstrap] installing micronet_dense[$EXTRAS] and its dependencies"
$PIP install --no-compile -e ".[$EXTRAS]"
"$VENV/bin/python" -c "import cv2, torch, mmengine, micronet_dense.apis; \
print('[bootstrap] torch', torch.__version__, '| mmengine', mmengine.__version__, '| OpenCV', cv2.__version__)"
echo "$want" > "$stamp"
