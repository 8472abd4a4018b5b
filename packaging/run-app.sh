#!/usr/bin/env bash
# Sets up this checkout (see setup-env.sh) and starts the desktop client. When no clinic exists
# yet in the data directory, a demo clinic is created first (login: demo / demo1234). The CLI and
# the client find the same data directory (CUNYI_DATA_DIR, else app/paths.py's default).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/packaging/setup-env.sh"
cd "$root"
# `--data-dir DIR` for the client is also where the demo check below looks.
prev=""
for arg in "$@"; do
  case "$arg" in --data-dir=*) export CUNYI_DATA_DIR="${arg#--data-dir=}" ;; esac
  if [ "$prev" = "--data-dir" ]; then export CUNYI_DATA_DIR="$arg"; fi
  prev="$arg"
done
if ! .venv/bin/python -m app status --quiet; then
  echo "No clinic yet: creating the demo clinic (user demo, password demo1234)"
  .venv/bin/python -m app demo
fi
exec .venv/bin/python -m ui "$@"
