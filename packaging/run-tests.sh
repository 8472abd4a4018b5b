#!/usr/bin/env bash
# Sets up this checkout (see setup-env.sh) and runs the whole test suite, offscreen.
# PostgreSQL-backed tests run when a server answers on 127.0.0.1:5432 (started here if the
# machine has a stopped cluster); otherwise they are skipped with a reason.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/packaging/setup-env.sh"
cd "$root"
if command -v pg_ctlcluster >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  ver="$(ls /etc/postgresql 2>/dev/null | head -1)"
  [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
fi
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m ruff check app forms sync ui tests bench
exec .venv/bin/python -m pytest "$@"
