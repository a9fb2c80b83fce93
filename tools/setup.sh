#!/usr/bin/env bash
# One-time setup on Debian/Ubuntu with Node 20: Jupyter from Debian, npm packages from the lockfile,
# the tslab kernelspec (installed inside the repo, under .jupyter/), and the compiled lib.
# Safe to re-run: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || die "Node.js is not installed: install Node 20 or newer (https://nodejs.org or your distribution), then re-run."
[ "$node_major" -ge 20 ] || die "Node $node_major found, Node 20 or newer is needed."

# Debian packages: Jupyter's executor and converter, the classic notebook, Chromium for the browser tests,
# bubblewrap for the autograder's sandbox and pytest for the tools' unit tests.
apt_packages=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipython jupyter-notebook chromium bubblewrap python3-pytest)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found: install these Debian/Ubuntu packages by other means: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages present"
fi

# npm packages exactly as locked; @tensorflow/tfjs-node is optional and is skipped where its download fails.
say "installing npm packages"
npm ci --no-audit --no-fund --loglevel=error

# The kernelspec lives in the repo so it always points at this checkout's tslab; the npm scripts set JUPYTER_PATH.
# It starts tslab through tools/tslab-kernel.js, which drops messages meant for other kernels.
say "installing the tslab kernelspec into .jupyter/"
node_modules/.bin/tslab install --python="${D2L_PYTHON:-/usr/bin/python3}" --binary="$PWD/tools/tslab-kernel.js" --prefix "$PWD/.jupyter" >/dev/null

say "building the d2l lib"
npm run --silent build

say "done: 'npm start' builds the book, 'npm test' runs the tests, 'npm run notebook' opens Jupyter"
