#!/usr/bin/env bash
# Names the system libraries the built folder needs and this machine lacks (the folder uses the
# system's OpenSSL, C++ runtime, Kerberos, X11, GLib, D-Bus and font libraries: packaging/trim.py,
# SYSTEM_PROVIDED). Prints their file names, one line, nothing when all are there.
# Usage: bash packaging/linux/check-libs.sh FOLDER
set -euo pipefail
app="$1"
internal="$app/_internal"
qt="$internal/PySide6/Qt/lib"
find "$internal" -type f -name '*.so*' -print0 \
  | LD_LIBRARY_PATH="$internal:$qt" xargs -0 ldd 2>/dev/null \
  | awk '/=> not found/ {print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//'
