#!/usr/bin/env bash
# Builds the clinic program as one folder with PyInstaller: dist/cunyi/ holding `cunyi-desktop`
# (the desktop client) and `cunyi` (the command line). Same script on a Windows build machine
# (Git Bash), see packaging/windows/README.md. Usage: bash packaging/build.sh [--out DIR]
# Needs the build extra (bash packaging/setup-env.sh installs it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/dist"
if [ "${1:-}" = "--out" ]; then out="$2"; fi
py="${PYTHON:-}"
if [ -z "$py" ]; then
  if [ -x .venv/bin/python ]; then py=.venv/bin/python; else py=.venv/Scripts/python.exe; fi
fi
# CUNYI_BUILD_WORK keeps PyInstaller's work folder between builds (faster while changing the
# spec); by default a fresh one is used and removed.
if [ -n "${CUNYI_BUILD_WORK:-}" ]; then
  work="$CUNYI_BUILD_WORK"; clean=""
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/cunyi-build.XXXXXX")"; clean="--clean"
  trap 'rm -rf "$work"' EXIT
fi
if [ "$(uname -s)" = "Linux" ]; then
  CUNYI_SQLCIPHER_SITE="$(bash packaging/linux/build-sqlcipher.sh "$py")"
  export CUNYI_SQLCIPHER_SITE
fi
"$py" -m PyInstaller --noconfirm $clean --log-level WARN \
  --distpath "$out" --workpath "$work" packaging/cunyi.spec

app="$out/cunyi"
# What the program never loads (other platforms' plugins, their libraries, other languages).
"$py" packaging/trim.py "$app"
# Desktop entry and icon beside the programs (packaging/linux/install.sh puts them in place).
if [ "$(uname -s)" = "Linux" ]; then
  cp packaging/linux/cunyi-desktop.desktop packaging/linux/cunyi.png packaging/linux/install.sh \
     packaging/linux/check-libs.sh "$app/"
  ln -sf cunyi-desktop "$app/cunyi"  # the command line: the same program started by this name
fi
"$py" - "$app" <<'PY'
import sys
from pathlib import Path
app = Path(sys.argv[1])
size = sum(p.stat().st_size for p in app.rglob("*") if p.is_file() and not p.is_symlink())
print(f"built {app} ({size / 2**20:.0f} MiB)")
PY
