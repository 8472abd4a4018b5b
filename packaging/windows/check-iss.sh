#!/usr/bin/env bash
# Compiles cunyi.iss on Linux under Wine, before the Windows build machine does: catches errors
# of the script itself (directives, sections, the Inno Setup version guard). Not a build: the
# program folder is a stand-in of three small files and Inno Setup's English messages stand in
# for ChineseSimplified.isl. Needs Wine with 32-bit support (Debian: dpkg --add-architecture
# i386; apt-get install wine wine32:i386) and ISCC.exe of Inno Setup 6.3 or newer.
# Usage: bash packaging/windows/check-iss.sh PATH/TO/ISCC.exe
set -euo pipefail
iscc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cunyi-iss.XXXXXX")"
trap 'WINEPREFIX="${WINEPREFIX:-$work/wine}" wineserver -w 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/packaging/windows" "$work/dist/cunyi/_internal"
cp "$here/cunyi.iss" "$here/cunyi.ico" "$work/packaging/windows/"
cp "$(dirname "$iscc")/Default.isl" "$work/packaging/windows/ChineseSimplified.isl"
echo stand-in > "$work/dist/cunyi/cunyi-desktop.exe"
echo stand-in > "$work/dist/cunyi/cunyi.exe"
echo stand-in > "$work/dist/cunyi/_internal/stand-in.txt"
export WINEPREFIX="${WINEPREFIX:-$work/wine}" WINEDEBUG=-all
wine "$iscc" /Q /DAppVersion=0.0.0 "Z:$(echo "$work/packaging/windows/cunyi.iss" | tr / '\\')"
ls "$work/dist/cunyi-0.0.0-setup.exe" >/dev/null
echo "cunyi.iss compiles"
