"""Removes from a PyInstaller folder build what the clinic program never loads: Qt plugins for
other platforms and desktops (Wayland, EGL, VNC, GTK theme, virtual keyboard), the Qt libraries
only those plugins need, the system libraries of the GTK theme, and Qt's translations other than
Chinese. Run by build.sh; `python packaging/trim.py DIR` prints what it freed.

PyInstaller collects every plugin of a Qt module it sees and then everything those plugins link
to; the lists below were checked with readelf against what the kept plugins need (QtPdf needs
QtNetwork and stays). The smoke test of the build (tests/packaging) runs after trimming.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PLUGINS = re.compile(
    r"plugins/(egldeviceintegrations|generic|wayland-[^/]+|wayland-shell-integration|"
    r"platformthemes|iconengines|networkinformation|tls)/"
    r"|plugins/platforms/libq(eglfs|linuxfb|minimalegl|vkkhrdisplay|vnc|wayland)"
    r"|plugins/platforminputcontexts/libqtvirtualkeyboard"
    r"|plugins/imageformats/libq(icns|pdf|svg|tga|tiff|wbmp|webp)"
)
# Qt libraries only the removed plugins load (the kept ones: Core, Gui, Widgets, PrintSupport,
# Pdf, PdfWidgets, Network for Pdf, DBus for IBus input, XcbQpa for X11).
QT_LIBS = re.compile(r"libQt6(Qml\w*|Quick\w*|VirtualKeyboard\w*|Wayland\w*|WlShell\w*|"
                     r"EglFs\w*|EglFS\w*|Svg\w*|OpenGL\w*)\.so")  # fmt: skip
# System libraries brought in by the GTK3 platform theme plugin only.
GTK_LIBS = re.compile(r"^lib(cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0|pangoft2-1\.0|"
                      r"gdk_pixbuf-2\.0|atk-1\.0|thai|datrie|fribidi|graphite2|pixman-1|"
                      r"harfbuzz|epoxy|gtk-3|gdk-3)\.so")  # fmt: skip


def unwanted(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if PLUGINS.search(rel) or QT_LIBS.search(name) or GTK_LIBS.search(name):
        return True
    return rel.endswith(".qm") and "/translations/" in f"/{rel}" and not rel.endswith("_zh_CN.qm")


def trim(app: Path) -> int:
    freed = 0
    for path in sorted(app.rglob("*")):
        rel = path.relative_to(app).as_posix()
        if (path.is_file() or path.is_symlink()) and unwanted(rel):
            if not path.is_symlink():
                freed += path.stat().st_size
            path.unlink()
    for path in app.rglob("*"):  # links to what was removed
        if path.is_symlink() and not path.exists():
            path.unlink()
    for path in sorted(app.rglob("*"), reverse=True):  # emptied plugin folders
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return freed


if __name__ == "__main__":
    print(f"trimmed {trim(Path(sys.argv[1])) / 2**20:.1f} MiB")
