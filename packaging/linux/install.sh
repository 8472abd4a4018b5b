#!/usr/bin/env bash
# Installs (or upgrades) the built folder on a Linux laptop: run as root from inside the folder.
# The program goes to /opt/cunyi (replaced whole on an upgrade); the data stays where it is
# (each user's data folder, or CUNYI_DATA_DIR) and is never touched here.
set -euo pipefail
# CUNYI_INSTALL_ROOT: install below another root (a staging tree, the tests); the menu entry and
# the command links still name /opt/cunyi, where the program runs from.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${CUNYI_INSTALL_ROOT:-}"
dest="$root/opt/cunyi"
if [ "$here" != "$dest" ]; then
  rm -rf "$dest.new"
  mkdir -p "$(dirname "$dest")"
  cp -a "$here" "$dest.new"
  rm -rf "$dest.old"
  [ -d "$dest" ] && mv "$dest" "$dest.old"
  # Every user of the laptop runs the program: readable by all whatever the umask it was built
  # or copied with (the data folders are private; the program is not).
  chmod -R u=rwX,go=rX "$dest.new"
  mv "$dest.new" "$dest"
  rm -rf "$dest.old"
fi
install -Dm644 "$dest/cunyi.png" "$root/usr/share/icons/hicolor/256x256/apps/cunyi.png"
install -Dm644 "$dest/cunyi-desktop.desktop" "$root/usr/share/applications/cunyi-desktop.desktop"
mkdir -p "$root/usr/local/bin"
ln -sf /opt/cunyi/cunyi "$root/usr/local/bin/cunyi"
ln -sf /opt/cunyi/cunyi-desktop "$root/usr/local/bin/cunyi-desktop"
echo "村医 已安装到 /opt/cunyi（命令 cunyi、cunyi-desktop；菜单中的“村医”）"
# The folder uses the system's OpenSSL, C++ runtime, Kerberos, X11, GLib, D-Bus and font
# libraries (packaging/trim.py, SYSTEM_PROVIDED): name any this machine lacks.
missing="$(bash "$dest/check-libs.sh" "$dest")"
if [ -n "$missing" ]; then
  echo "注意：本机缺少程序需要的系统库：$missing"
  echo "（Debian/Ubuntu：sudo apt install libssl3 libstdc++6 libgssapi-krb5-2 libx11-6 libx11-xcb1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3 libgl1 libegl1 libcups2）"
fi
