"""packaging/trim.py's cut of Qt's ICU data, without a whole PyInstaller build: which items stay,
and the rebuilt library from this venv's PySide6 loaded by Qt for Chinese collation."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("cunyi_trim", ROOT / "packaging" / "trim.py")
assert spec is not None and spec.loader is not None
trim = importlib.util.module_from_spec(spec)
spec.loader.exec_module(trim)


@pytest.mark.parametrize("item", ["root.res", "pool.res", "res_index.res", "zh.res", "zh_Hans_CN.res",
                                  "en.res", "coll/zh.res", "coll/root.res", "coll/ucadata.icu",
                                  "zone/zh.res", "zone/tzdbNames.res", "supplementalData.res",
                                  "zoneinfo64.res", "likelySubtags.res", "cnvalias.icu", "uts46.nrm",
                                  "gb18030.cnv", "windows-936-2000.cnv", "ibm-1252_P100-2000.cnv",
                                  "iso-8859_10-1998.cnv"])  # fmt: skip
def test_kept(item):
    assert trim.icu_item_kept(item)


@pytest.mark.parametrize("item", ["ja.res", "zh_Hant_TW.res", "coll/ko.res", "coll/de_.res",
                                  "zone/fr.res", "brkitr/root.res", "brkitr/cjdict.dict",
                                  "translit/root.res", "ibm-37_P100-1995.cnv", "euc-jp-2007.cnv",
                                  "windows-950-2000.cnv"])  # fmt: skip
def test_dropped(item):
    assert not trim.icu_item_kept(item)


PROBE = """
import functools
from PySide6.QtCore import QCollator, QLocale
c = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
print("".join(sorted("赵张阿王李", key=functools.cmp_to_key(c.compare))))
"""


@pytest.mark.parametrize(
    ("without_chinese", "order"), [(False, "阿李王张赵"), (True, "张李王赵阿")]
)
def test_rebuilt_icu_data_sorts_chinese_by_pinyin(tmp_path, monkeypatch, without_chinese, order):
    """With the Chinese tables, pinyin order; cut without them (to show the check can tell),
    the code point order."""
    import PySide6

    if sys.platform != "linux":
        pytest.skip("Qt carries its own ICU on Linux only")
    missing = [t for t in ("icupkg", "objcopy", "cc", "readelf") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{missing} not installed (packaging/setup-env.sh installs them)")
    [original] = [p for p in (Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*")
                  if not p.is_symlink()]  # fmt: skip
    lib = tmp_path / "app" / "_internal" / "PySide6" / "Qt" / "lib"
    lib.mkdir(parents=True)
    shutil.copy2(original, lib / original.name)
    if without_chinese:
        monkeypatch.setattr(
            trim, "KEEP_LOCALES", {n for n in trim.KEEP_LOCALES if not n.startswith("zh")}
        )
    freed = trim.trim_icu(tmp_path / "app")
    rebuilt = lib / original.name
    assert freed > 20 * 2**20 and rebuilt.stat().st_size < 8 * 2**20
    soname = subprocess.run(["readelf", "-d", str(rebuilt)], capture_output=True, text=True).stdout
    assert f"[{original.name}]" in soname
    # Qt's own ICU libraries (beside the original) load the rebuilt data library first.
    env = dict(os.environ, LD_LIBRARY_PATH=str(lib))
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == order


@pytest.mark.parametrize(("rel", "cut"), [
    ("_internal/python3.11/lib-dynload/_codecs_jp.cpython-311-x86_64-linux-gnu.so", True),
    ("_internal/python3.11/lib-dynload/_codecs_iso2022.cpython-311-x86_64-linux-gnu.so", True),
    ("_internal/python3.11/lib-dynload/_codecs_cn.cpython-311-x86_64-linux-gnu.so", False),
    ("_internal/python3.11/lib-dynload/_multibytecodec.cpython-311-x86_64-linux-gnu.so", False),
    ("_internal/pypinyin/phrases_dict.json", True),
    ("_internal/pypinyin/style/tone.pyi", True),
    ("_internal/pypinyin/pinyin_dict.json", False),
    ("_internal/PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", True),
    ("_internal/PySide6/Qt/plugins/platforms/libqxcb.so", False),
])  # fmt: skip
def test_unwanted(rel, cut):
    assert trim.unwanted(rel) is cut


SYSTEM_LIBS = Path("/usr/lib/x86_64-linux-gnu")


def _fake_folder(tmp_path: Path, names: list[str]) -> Path:
    top = tmp_path / "app" / "_internal"
    top.mkdir(parents=True)
    for name in names:
        shutil.copy2(SYSTEM_LIBS / name, top / name)
    return tmp_path / "app"


def _system_libs_or_skip(names: list[str]) -> None:
    if shutil.which("readelf") is None or not all((SYSTEM_LIBS / n).is_file() for n in names):
        pytest.skip("needs readelf and Debian's X11 libraries")


def test_removing_a_library_takes_what_only_it_needs_and_keeps_a_needed_one(tmp_path):
    """Real libraries: Xrender needs X11, which needs xcb, which needs Xau."""
    names = ["libXrender.so.1", "libX11.so.6", "libxcb.so.1", "libXau.so.6"]
    _system_libs_or_skip(names)
    app = _fake_folder(tmp_path, names)
    # libX11 is still needed by libXrender: an "unused" library that something needs stays.
    assert trim.remove_libraries(app, ("libX11.so.6",), only_unneeded=True) == 0
    assert (app / "_internal" / "libX11.so.6").is_file()
    freed = trim.remove_libraries(app, ("libXrender.so.1",), only_unneeded=True)
    assert freed > 0 and not any((app / "_internal").iterdir())


def test_pillow_libxau_replaced_by_the_system_one_and_still_loads(tmp_path):
    """Pillow's libxcb (from this venv) loads with the system's libXau under Pillow's file name."""
    import ctypes

    import PIL

    wheel_libs = Path(PIL.__file__).parent.parent / "pillow.libs"
    xau = sorted(wheel_libs.glob("libXau-*"))
    xcb = sorted(wheel_libs.glob("libxcb-*"))
    _system_libs_or_skip(["libXau.so.6"])
    if not (xau and xcb) or shutil.which("nm") is None:
        pytest.skip("this Pillow wheel carries no libxcb/libXau, or nm is missing")
    app = _fake_folder(tmp_path, ["libXau.so.6"])
    libs = app / "_internal" / "pillow.libs"
    libs.mkdir()
    for p in (*xau, *xcb):
        shutil.copy2(p, libs / p.name)
    freed = trim.replace_pillow_xau(app)
    assert freed > 1_000_000
    assert (libs / xau[0].name).read_bytes() == (SYSTEM_LIBS / "libXau.so.6").read_bytes()
    ctypes.CDLL(str(libs / xcb[0].name))  # RTLD_NOW: every symbol it needs resolves


def test_check_libs_names_a_system_library_the_machine_lacks(tmp_path):
    """packaging/linux/check-libs.sh (run by install.sh): a library of the folder that needs one
    the machine does not have is reported by name; with it there, nothing is printed."""
    if shutil.which("gcc") is None or shutil.which("ldd") is None:
        pytest.skip("needs gcc and ldd")
    app = tmp_path / "app"
    internal = app / "_internal"
    internal.mkdir(parents=True)
    src = tmp_path / "x.c"
    src.write_text("int cunyi_probe(void) { return 1; }\n")
    fake = internal / "libcunyifake.so.1"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(fake), "-Wl,-soname,libcunyifake.so.1", str(src)],
                   check=True)  # fmt: skip
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(internal / "libneeds.so.1"), str(src),
                    "-Wl,--no-as-needed", str(fake)], check=True)  # fmt: skip
    check = ["bash", str(ROOT / "packaging" / "linux" / "check-libs.sh"), str(app)]
    out = subprocess.run(check, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "", out.stdout + out.stderr
    fake.unlink()  # as on a machine without that library
    out = subprocess.run(check, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "libcunyifake.so.1"
