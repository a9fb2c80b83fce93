#!/usr/bin/env bash
# Open the notebooks in the classic Jupyter notebook (Debian's jupyter-notebook) with this
# checkout's tslab kernel. Extra arguments go to jupyter (e.g. --port 8890 --no-browser).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .jupyter/share/jupyter/kernels/tslab/kernel.json ] || { echo "No tslab kernel yet: run 'npm run setup' first." >&2; exit 1; }
npm run --silent build
export JUPYTER_PATH="$PWD/.jupyter/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec jupyter notebook --notebook-dir="$PWD/notebooks" "$@"
