"""Removes from a PyInstaller folder build what the clinic program never loads: Qt plugins for
other platforms and desktops (Wayland, EGL, VNC, GTK theme, virtual keyboard), the Qt libraries
only those plugins need, the system libraries of the GTK theme, and Qt's translations other than
Chinese; Qt's ICU data cut down to what Qt uses (below); python-stdnum's tables other than the
Chinese region codes. Run by build.sh; `python packaging/trim.py DIR` prints what it freed.

PyInstaller collects every plugin of a Qt module it sees and then everything those plugins link
to; the lists below were checked with readelf against what the kept plugins need (QtPdf needs
QtNetwork and stays). The smoke test of the build (tests/packaging) runs after trimming.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
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


# python-stdnum's data files: only the GB/T 2260 region table is read (forms/regions.py,
# forms/idnumber.py); the others are MAC vendors, IMSI, IBAN banks and the like (2 MB).
STDNUM_DATA = re.compile(r"^_internal/stdnum/(?!cn/loc\.dat$).*\.dat$")


def unwanted(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if PLUGINS.search(rel) or QT_LIBS.search(name) or GTK_LIBS.search(name) or STDNUM_DATA.match(rel):
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
    return freed + trim_icu(app) + trim_system_provided(app)


# --- libraries the system provides where they are of any use
# CUPS: Qt's CUPS print plugin talks to the system's print server; where CUPS is installed its
# client library is too, and where it is not the plugin has nothing to talk to (Qt then offers
# printing to PDF only, as with the library bundled). So libcups is not carried, nor what only it
# needs (GnuTLS, Kerberos, Avahi, p11-kit...: 8.5 MB); the .deb depends on libcups2.
SYSTEM_PROVIDED = ("libcups.so.2",)


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def trim_system_provided(app: Path) -> int:
    """Removes SYSTEM_PROVIDED from the folder's top level, then every top-level library that
    only removed ones needed (NEEDED entries, read with readelf); returns the bytes freed."""
    top = app / "_internal"
    if not (top / SYSTEM_PROVIDED[0]).exists() or shutil.which("readelf") is None:
        return 0
    elves = [p for p in app.rglob("*") if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF"]
    needs = {p: _needed(p) for p in elves}
    removed: set[str] = set()
    pending = [n for n in SYSTEM_PROVIDED if (top / n).exists()]
    while pending:
        removed.update(pending)
        candidates = {n for p, ns in needs.items() if p.parent == top and p.name in removed for n in ns}
        still_needed = {n for p, ns in needs.items() if not (p.parent == top and p.name in removed) for n in ns}
        pending = [n for n in candidates - removed - still_needed if (top / n).is_file() and not (top / n).is_symlink()]
    freed = 0
    for name in removed:
        freed += (top / name).stat().st_size
        (top / name).unlink()
    return freed


# --- ICU data
# QtCore links ICU, whose data library (libicudata, 31 MB) holds every locale of the world. What
# QtCore calls (nm -D --undefined-only libQt6Core.so.6): case mapping, the converters (QStringConverter),
# collation (QCollator) and time zone names (QTimeZone::displayName); no break iterators, no
# transliteration. The data is rebuilt with ICU's own tool (icupkg, Debian's icu-devtools) keeping
# the root, English and Chinese locales, the non-locale tables, Chinese and Western code pages,
# and linked back into a library of the same name and symbol (5 MB). The smoke test checks
# pinyin collation and a Chinese time zone name with it.
KEEP_LOCALES = {"root", "pool", "res_index", "en", "en_US", "en_US_POSIX", "zh", "zh_CN", "zh_Hans",
                "zh_Hans_CN", "tzdbNames"}  # fmt: skip
LOCALE_ITEM = re.compile(r"^(?:\w+/)?([a-z]{2,3}(?:_\w*)?)\.res$")  # camelCase tables do not match
DROP_TREES = ("brkitr/", "translit/")  # break iteration and transliteration: Qt calls neither
CODEPAGES = re.compile(r"^(gb18030|windows-936-2000|ibm-1383_P110-1999|ibm-1386_P100-2001|ibm-5478_P100-1995|"
                       r"ibm-125\d_[\w-]+|ibm-437_[\w-]+|ibm-850_[\w-]+|ibm-91[2-5]_[\w-]+|ibm-92[013]_[\w-]+|"
                       r"ibm-878_[\w-]+|ibm-1051_[\w-]+|ibm-53(4[6-9]|5[0-4])_[\w-]+|iso-8859_[\w-]+|"
                       r"macos-0_2-10\.2)\.cnv$")  # fmt: skip


def icu_item_kept(item: str) -> bool:
    if item.startswith(DROP_TREES):
        return False
    if item.endswith(".cnv"):
        return bool(CODEPAGES.match(item))
    if item.endswith(".dict"):
        return False
    m = LOCALE_ITEM.match(item)
    return not m or m.group(1) in KEEP_LOCALES


def trim_icu(app: Path) -> int:
    """Replaces Qt's libicudata.so.NN by one holding the kept items; returns the bytes freed (0
    when there is no such library, e.g. on Windows, where Qt uses the system's ICU)."""
    found = [p for p in app.rglob("libicudata.so.*") if p.is_file() and not p.is_symlink()]
    if not found:
        return 0
    tools = {t: shutil.which(t) for t in ("icupkg", "objcopy", "cc")}
    missing = [t for t, where in tools.items() if where is None]
    if missing:
        raise SystemExit(f"trim.py: {', '.join(missing)} not found (packaging/setup-env.sh installs "
                         "icu-devtools, binutils and gcc)")  # fmt: skip
    lib = found[0]
    version = lib.name.split(".so.")[1].split(".")[0]
    before = lib.stat().st_size
    with tempfile.TemporaryDirectory(prefix="cunyi-icu-") as tmp:
        work = Path(tmp)
        full, small = work / f"icudt{version}l.dat", work / "small" / f"icudt{version}l.dat"
        small.parent.mkdir()
        # The data is the library's whole .rodata section: the symbol icudtNN_dat at its start.
        subprocess.run(["objcopy", "-O", "binary", "--only-section=.rodata", str(lib), str(full)], check=True)
        items = subprocess.run(["icupkg", "-l", str(full)], check=True, capture_output=True,
                               text=True).stdout.split()  # fmt: skip
        if len(items) < 100 or "root.res" not in items:
            raise SystemExit(f"trim.py: {lib.name} does not hold ICU data as expected")
        drop = work / "drop.txt"
        drop.write_text("".join(f"{i}\n" for i in items if not icu_item_kept(i)))
        subprocess.run(["icupkg", "-r", str(drop), str(full), str(small)], check=True)
        asm = work / "data.S"
        asm.write_text(f"""    .section .rodata
    .globl icudt{version}_dat
    .type icudt{version}_dat, @object
    .balign 16
icudt{version}_dat:
    .incbin "{small}"
    .size icudt{version}_dat, . - icudt{version}_dat
    .section .note.GNU-stack,"",@progbits
""")
        out = work / lib.name
        subprocess.run(["cc", "-shared", "-nostdlib", f"-Wl,-soname,{lib.name}", "-s", "-o", str(out),
                        str(asm)], check=True)  # fmt: skip
        shutil.copymode(lib, out)
        out.replace(lib)
    return before - lib.stat().st_size


if __name__ == "__main__":
    print(f"trimmed {trim(Path(sys.argv[1])) / 2**20:.1f} MiB")
