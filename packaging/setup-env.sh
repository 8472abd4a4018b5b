#!/usr/bin/env bash
# Prepares a machine to run Cunyi from this checkout: Debian packages, a virtual environment in
# .venv and the project installed in it (editable, with the server, dev and build extras).
# Idempotent: a second run only checks. Usage: bash packaging/setup-env.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian packages: pdftotext/pdffonts/pdftoppm (poppler-utils) and zbarimg (zbar-tools) for the
# PDF and QR checks; the X/EGL libraries Qt needs even offscreen; python3-venv for the venv;
# xvfb and xauth so the packaged build's test also starts it on a real (virtual) X display;
# icu-devtools (icupkg), binutils and gcc for the build's cut-down ICU data (packaging/trim.py);
# libcups2, which the build does not carry (the system's CUPS client is used); libssl-dev and
# python3-dev to build SQLCipher's module against the system's libcrypto for the folder build
# (packaging/linux/build-sqlcipher.sh).
debs=(poppler-utils zbar-tools libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3
      libglib2.0-0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 python3-venv
      xvfb xauth icu-devtools binutils gcc libcups2 libssl-dev python3-dev)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$py" -m venv .venv
fi
stamp=.venv/.cunyi-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[server,dev,build]"
  echo "$want" > "$stamp"
fi
