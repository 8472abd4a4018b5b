#!/usr/bin/env bash
# Sets up this checkout (see setup-env.sh) and starts the desktop client. When no clinic exists
# yet in the data directory, a demo clinic is created first (login: demo / demo1234).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/packaging/setup-env.sh"
cd "$root"
if ! .venv/bin/python -m app status --quiet; then
  echo "No clinic yet: creating the demo clinic (user demo, password demo1234)"
  .venv/bin/python -m app demo
fi
exec .venv/bin/python -m ui "$@"
