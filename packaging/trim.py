"""Removes from a PyInstaller folder build what the clinic program never loads: Qt plugins for
other platforms and desktops (Wayland, EGL, VNC, GTK theme, virtual keyboard), the Qt libraries
only those plugins need, the system libraries of the GTK theme, and Qt's translations other than
Chinese; Qt's ICU data cut down to what Qt uses (below); python-stdnum's tables other than the
Chinese region codes; Python's Japanese and Korean codecs; libraries nothing in the folder loads;
the libraries every Linux desktop has (X11, GLib, D-Bus, fontconfig: below). Run by build.sh;
`python packaging/trim.py DIR` prints what it freed.

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
    r"platformthemes|iconengines|networkinformation|tls|xcbglintegrations)/"
    r"|plugins/platforms/libq(eglfs|linuxfb|minimalegl|vkkhrdisplay|vnc|wayland)"
    r"|plugins/platforminputcontexts/libqtvirtualkeyboard"
    r"|plugins/imageformats/libq(icns|pdf|svg|tga|tiff|wbmp|webp)"
)
# xcbglintegrations: OpenGL on X11, loaded only for an OpenGL surface (QOpenGLWidget, Qt Quick);
# the client paints with QPainter (widgets, QPdfView), so neither plugin was ever opened (strace
# of the smoke test on Xvfb, a booklet print and a sync).
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
# pypinyin's phrase dictionary (2.4 MB) and type stubs: app/pinyin.py reads names character by
# character and sets PYPINYIN_NO_PHRASES before importing pypinyin, which then never opens the
# dictionary (its module is left out of the build: cunyi.spec). pypinyin's own PyInstaller hook
# (pypinyin/__pyinstaller) collects all its data files, so they are removed here.
PYPINYIN_DATA = re.compile(r"^_internal/pypinyin/(phrases_dict\.json|.*\.pyi)$")
# Python's CJK codecs other than the Chinese (GB2312/GBK/GB18030, which a county's CSV files use):
# Japanese, Korean, Big5 and ISO-2022 (0.7 MB). Nothing asks for them; asking gives Python's
# ordinary "unknown encoding" (LookupError), as for any codec not there.
CODECS = re.compile(r"^_internal/python3[.\d]*/lib-dynload/_codecs_(jp|kr|tw|hk|iso2022)\.")


def unwanted(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if (
        PLUGINS.search(rel)
        or QT_LIBS.search(name)
        or GTK_LIBS.search(name)
        or STDNUM_DATA.match(rel)
    ):
        return True
    if CODECS.match(rel) or PYPINYIN_DATA.match(rel):
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
    freed += trim_icu(app) + replace_pillow_xau(app)
    return (
        freed
        + remove_libraries(app, UNUSED, only_unneeded=True)
        + remove_libraries(app, SYSTEM_PROVIDED)
    )


# --- libraries nothing loads
# Brought in for what trim() removed above (the GTK theme: GIO and what only it needs, libjpeg of
# GTK's pixbuf loaders, Xext/Xrender of cairo; the OpenGL plugins: xcb-glx): after that nothing in
# the folder NEEDs them (readelf -d), no library names them for dlopen (grep of every file in the
# folder for the name), and strace of the smoke test (offscreen and Xvfb), a booklet print with
# a growth chart, a backup, an export and a sync never opened them. remove_libraries() checks the
# NEEDED part again at every build and keeps one that something needs. 3.9 MB.
UNUSED = ("libgio-2.0.so.0", "libjpeg.so.62", "libXext.so.6", "libXrender.so.1", "libxcb-glx.so.0")

# --- libraries the system provides where they are of any use
# CUPS: Qt's CUPS print plugin talks to the system's print server; where CUPS is installed its
# client library is too, and where it is not the plugin has nothing to talk to (Qt then offers
# printing to PDF only, as with the library bundled). So libcups is not carried, nor what only it
# needs (GnuTLS, Kerberos, Avahi, p11-kit...: 8.5 MB); the .deb depends on libcups2.
# The desktop's own libraries (docs/decisions/packaging.md, "System libraries"): X11's client
# libraries, GLib, D-Bus, fontconfig and FreeType, zstd and brotli (9 MB with what only they
# need: libsystemd, libgcrypt, libpcre2, libpng, expat...). Qt's GUI library links libGL and
# libEGL and its X11 plugin libxcb, which PyInstaller never carries (they belong to the graphics
# stack), so the folder has always needed the system's X11 libraries; these come with any Linux
# desktop that can show a window (the .deb depends on them). Not these: the xcb-util family
# (xcb-cursor, -icccm, -image, -keysyms, -render-util, -util) and libxkbcommon-x11, which Qt
# needs and many desktops lack; they stay in the folder.
# OpenSSL (libssl, libcrypto): Python's ssl and hashlib and SQLCipher's module (built against it,
# packaging/linux/build-sqlcipher.sh) use the distribution's, which gets its security updates;
# the C++ runtime (libstdc++, libgcc_s), which apt itself links, so every Debian and Ubuntu has
# it (the carried copy was what raised the folder's glibc floor from 2.35 to 2.36); Kerberos'
# GSSAPI, which QtNetwork links (with libkrb5, libk5crypto, libcom_err, libkeyutils, which only
# it needs). docs/decisions/packaging.md, "System libraries".
SYSTEM_PROVIDED = (
    "libcups.so.2",
    "libX11.so.6", "libX11-xcb.so.1", "libXau.so.6", "libXdmcp.so.6", "libxcb-render.so.0",
    "libxcb-shm.so.0", "libxcb-xfixes.so.0", "libxcb-randr.so.0", "libxcb-shape.so.0",
    "libxcb-sync.so.1", "libxcb-xkb.so.1", "libxkbcommon.so.0",
    "libglib-2.0.so.0", "libgthread-2.0.so.0", "libdbus-1.so.3", "libfontconfig.so.1", "libfreetype.so.6",
    "libzstd.so.1", "libbrotlidec.so.1", "libbrotlicommon.so.1",
    "libssl.so.3", "libcrypto.so.3", "libstdc++.so.6", "libgcc_s.so.1", "libgssapi_krb5.so.2",
)  # fmt: skip


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def _elves(app: Path) -> list[Path]:
    return [
        p
        for p in app.rglob("*")
        if p.is_file() and not p.is_symlink() and p.read_bytes()[:4] == b"\x7fELF"
    ]


def remove_libraries(app: Path, names: tuple[str, ...], *, only_unneeded: bool = False) -> int:
    """Removes `names` from the folder's top level, then every top-level library that only removed
    ones needed (NEEDED entries, read with readelf); returns the bytes freed. only_unneeded: keep
    any of `names` that something left in the folder still needs."""
    top = app / "_internal"
    if shutil.which("readelf") is None:
        return 0
    needs = {p: _needed(p) for p in _elves(app)}
    present = [n for n in names if (top / n).is_file() and not (top / n).is_symlink()]
    if only_unneeded:
        wanted = {
            n for p, ns in needs.items() if not (p.parent == top and p.name in present) for n in ns
        }
        kept = [n for n in present if n in wanted]
        if kept:
            print(f"trim.py: kept {', '.join(kept)}: still needed")
        present = [n for n in present if n not in wanted]
    removed: set[str] = set()
    pending = present
    while pending:
        removed.update(pending)
        candidates = {
            n for p, ns in needs.items() if p.parent == top and p.name in removed for n in ns
        }
        still_needed = {
            n for p, ns in needs.items() if not (p.parent == top and p.name in removed) for n in ns
        }
        pending = [
            n
            for n in candidates - removed - still_needed
            if (top / n).is_file() and not (top / n).is_symlink()
        ]
    freed = 0
    for name in removed:
        freed += (top / name).stat().st_size
        (top / name).unlink()
    for path in top.iterdir():  # links to what was removed
        if path.is_symlink() and not path.exists():
            path.unlink()
    return freed


# --- Pillow's copy of libXau
# reportlab imports PIL, whose core module links Pillow's own libxcb and through it libXau (for
# screen grabs, never used here): all of it loads when PIL does. Pillow's libXau is 2 MB, 14 KB of
# it the library and the rest alignment padding left by the wheel's repair tool (readelf -l: a
# LOAD segment at file offset 0x200000). It is replaced by the system's libXau (14 KB; PyInstaller
# collected it for Qt's xcb libraries) under Pillow's file name, if that one defines every Xau
# function Pillow's libxcb calls (XauDisposeAuth, XauGetBestAuthByAddr: the ABI of libXau.so.6
# has not changed since 2006).
def replace_pillow_xau(app: Path) -> int:
    top = app / "_internal"
    system = top / "libXau.so.6"
    found = [
        p for p in (top / "pillow.libs").glob("libXau-*.so*") if p.is_file() and not p.is_symlink()
    ]
    if not found or not system.is_file() or shutil.which("nm") is None:
        return 0
    [pillow_xau] = found
    if pillow_xau.stat().st_size <= system.stat().st_size:
        return 0

    def symbols(path: Path, flag: str) -> set[str]:
        out = subprocess.run(
            ["nm", "-D", flag, str(path)], capture_output=True, text=True, check=True
        ).stdout
        return {line.split()[-1] for line in out.splitlines() if line.strip()}

    xcb = [p for p in (top / "pillow.libs").glob("libxcb-*.so*") if pillow_xau.name in _needed(p)]
    called = set().union(*(symbols(p, "--undefined-only") for p in xcb)) & symbols(
        pillow_xau, "--defined-only"
    )
    if not called <= symbols(system, "--defined-only"):
        print(
            f"trim.py: kept {pillow_xau.name}: the system's libXau lacks {sorted(called - symbols(system, '--defined-only'))}"
        )
        return 0
    before = pillow_xau.stat().st_size
    shutil.copy2(system, pillow_xau)
    return before - pillow_xau.stat().st_size


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
        subprocess.run(
            ["objcopy", "-O", "binary", "--only-section=.rodata", str(lib), str(full)], check=True
        )
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
