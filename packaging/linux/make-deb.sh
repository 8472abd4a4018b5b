#!/usr/bin/env bash
# Wraps a folder build (packaging/build.sh) into a Debian package with dpkg-deb (part of every
# Debian/Ubuntu system): the program in /opt/cunyi, the menu entry, the icon and the commands
# `cunyi` and `cunyi-desktop` in /usr/bin. The data is never part of the package, so removing
# or upgrading it (dpkg -i of a newer one) leaves the clinic's records where they are.
# Usage: bash packaging/linux/make-deb.sh [dist/cunyi] [out-folder]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
app="$(cd "${1:-$root/dist/cunyi}" && pwd)"
out="${2:-$(dirname "$app")}"
version="$(cd "$root" && python3 -c 'import re,sys; print(re.search(r"__version__ = \"(.+)\"", open("app/version.py").read()).group(1))')"
stage="$(mktemp -d "${TMPDIR:-/tmp}/cunyi-deb.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
         "$stage/usr/share/icons/hicolor/256x256/apps"
cp -a "$app" "$stage/opt/cunyi"
rm -f "$stage/opt/cunyi/install.sh" "$stage/opt/cunyi/check-libs.sh"
install -m644 "$root/packaging/linux/cunyi-desktop.desktop" "$stage/usr/share/applications/"
install -m644 "$root/packaging/linux/cunyi.png" "$stage/usr/share/icons/hicolor/256x256/apps/cunyi.png"
ln -s /opt/cunyi/cunyi "$stage/usr/bin/cunyi"
ln -s /opt/cunyi/cunyi-desktop "$stage/usr/bin/cunyi-desktop"
# What the package installs is the same for every user of the laptop whatever the umask of the
# build (a restrictive one, 077, made a control folder dpkg-deb refuses and program files only
# root could read): folders and programs 755, other files 644.
chmod -R u=rwX,go=rX "$stage"
size_kb="$(du -sk "$stage/opt" | cut -f1)"
# libcups2: the build uses the system's CUPS client (packaging/trim.py), needed to print. OpenSSL,
# the C++ runtime, Kerberos' GSSAPI, the X11 client libraries, GLib, D-Bus, fontconfig, FreeType,
# zstd and brotli are the system's too (trim.py, SYSTEM_PROVIDED), the package says so. glibc
# 2.35 is the newest symbol version any file of the folder asks for (checked by
# tests/packaging/test_build.py); the C++ library must know GLIBCXX_3.4.29 (GCC 11).
cat > "$stage/DEBIAN/control" <<CONTROL
Package: cunyi
Version: $version
Section: misc
Priority: optional
Architecture: amd64
Installed-Size: $size_kb
Depends: libc6 (>= 2.35), libstdc++6 (>= 11), libgcc-s1, libssl3 | libssl3t64, libgssapi-krb5-2,
 libgl1, libegl1, libfontconfig1, libfreetype6, libdbus-1-3, libglib2.0-0 | libglib2.0-0t64,
 libx11-6, libx11-xcb1, libxcb1, libxcb-render0, libxcb-shm0,
 libxcb-xfixes0, libxcb-randr0, libxcb-shape0, libxcb-sync1, libxcb-xkb1, libxkbcommon0,
 libzstd1, libbrotli1, libcups2 | libcups2t64
Maintainer: Cunyi <cunyi@localhost>
Description: 村医 residents' health records for village clinics (offline)
 The desktop client and command line of Cunyi, with Python, Qt and SQLCipher included.
CONTROL
deb="$out/cunyi_${version}_amd64.deb"
# CUNYI_DEB_COMPRESSION: dpkg-deb's -Z (xz by default; the tests, which read the package's
# control and listing only, take "none" and save a minute of CPU).
dpkg-deb --root-owner-group -Z"${CUNYI_DEB_COMPRESSION:-xz}" --build "$stage" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1))"
