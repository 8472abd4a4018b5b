"""The PyInstaller folder build (packaging/build.sh): built here, then its own smoke test and
`cunyi --version` run from the built folder, as a clinic laptop would run them.

Building takes minutes on this machine, so a build is kept in a cache named by a hash of
everything that goes into it (our sources, the spec and scripts, the installed packages'
versions) and reused while none of that changes: a changed source builds again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.version import __version__
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

BUILD_TIMEOUT = 1500  # seconds; a build took ~6 min on this machine's two shared cores
SOURCES = ("app", "forms", "ui", "sync")
BUILD_FILES = ("packaging/cunyi.spec", "packaging/build.sh", "packaging/trim.py",
               "packaging/entry_desktop.py", "packaging/entry_cli.py", "packaging/linux")  # fmt: skip
PACKAGES = ("pyinstaller", "pyinstaller-hooks-contrib", "pyside6-essentials", "pyside6-addons",
            "pyside6-pdf", "shiboken6", "sqlcipher3", "reportlab", "sqlalchemy", "alembic",
            "pypinyin", "python-stdnum", "cryptography", "platformdirs", "openpyxl", "requests")  # fmt: skip


def content_hash() -> str:
    h = hashlib.sha256()
    for top in (*SOURCES, *BUILD_FILES):
        top_path = ROOT / top
        for path in sorted(top_path.rglob("*")) if top_path.is_dir() else [top_path]:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    h.update((ROOT / "pyproject.toml").read_bytes())
    for name in PACKAGES:
        try:
            h.update(f"{name}={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{name}=-".encode())
    return h.hexdigest()[:16]


@pytest.fixture(scope="module")
def built() -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        pytest.skip("PyInstaller is not installed (the 'build' extra: pip install -e '.[build]', "
                    "which packaging/setup-env.sh does)")  # fmt: skip
    cache = Path(os.environ.get("CUNYI_BUILD_CACHE") or Path.home() / ".cache" / "cunyi-build")
    out = cache / content_hash()
    app = out / "cunyi"
    if not (app / "cunyi-desktop").exists():
        result = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh"), "--out", str(out)],
                                cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        for old in cache.iterdir():  # builds of other sources are not needed again
            if old != out and old.is_dir():
                subprocess.run(["rm", "-rf", str(old)], check=False)
    return app


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CUNYI_"))}
    # Nothing of this checkout or its venv may be found: the folder must hold all it needs.
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), CUNYI_DATA_DIR=str(tmp_path / "data"),
               PATH="/usr/bin:/bin")  # fmt: skip
    return env


def test_built_program_passes_its_smoke_test(built, tmp_path):
    result = subprocess.run([str(built / "cunyi-desktop"), "--smoke-test"], cwd=tmp_path,
                            env=_env(tmp_path), capture_output=True, text=True, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("SMOKE OK"), result.stdout
    assert "qtbase_zh_CN: True" in result.stdout and "自检卫生室" in result.stdout
    assert "collation: 阿李王张赵" in result.stdout  # the cut-down ICU data still sorts by pinyin
    assert not list((tmp_path / "data").glob("*"))  # throw-away data only


def test_built_program_on_an_x_display(built, tmp_path):
    """The X11 platform plugin and the xcb libraries the folder carries, on a virtual display."""
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        pytest.skip("xvfb-run is not installed (packaging/setup-env.sh installs xvfb)")
    env = dict(_env(tmp_path), QT_QPA_PLATFORM="xcb")
    result = subprocess.run([xvfb, "-a", str(built / "cunyi-desktop"), "--smoke-test"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "platform: xcb" in result.stdout, result.stdout


def test_built_command_line(built, tmp_path):
    run = subprocess.run([str(built / "cunyi"), "--version"], cwd=tmp_path, env=_env(tmp_path),
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cunyi {__version__}"
    # A real command through the bundled migrations and code tables: the demo clinic.
    env = _env(tmp_path)
    made = subprocess.run([str(built / "cunyi"), "demo", "--residents", "20"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    status = subprocess.run([str(built / "cunyi"), "status", "--quiet"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert status.returncode == 0, status.stderr


def test_built_folder_holds_what_it_needs_and_not_more(built):
    internal = built / "_internal"
    qt = internal / "PySide6" / "Qt"
    plugins = {p.parent.name + "/" + p.name for p in (qt / "plugins").glob("*/*")}
    assert any(p.startswith("platforms/libqxcb") for p in plugins), sorted(plugins)
    assert any(p.startswith("platforms/libqoffscreen") for p in plugins)
    assert any(p.startswith("printsupport/") for p in plugins), sorted(plugins)
    assert any(p.startswith("imageformats/") for p in plugins)
    translations = sorted(p.name for p in (qt / "translations").glob("*.qm"))
    assert "qtbase_zh_CN.qm" in translations
    assert all(name.endswith("_zh_CN.qm") for name in translations), translations
    for font in ("wqy-microhei.ttc", "HanaMinA-ext.ttf", "HanaMinB-ext.ttf"):
        assert (internal / "forms" / "fonts" / font).is_file()
    assert (internal / "forms" / "rules" / "ed2017.json").is_file()  # the due list and indicators
    versions = {p.name for p in (internal / "app" / "db" / "migrations" / "versions").glob("0*.py")}
    expected = {p.name for p in (ROOT / "app" / "db" / "migrations" / "versions").glob("0*.py")}
    assert versions == expected
    libs = {p.name for p in (qt / "lib").glob("*")} if (qt / "lib").exists() else set()
    unused = [
        n for n in libs if any(m in n for m in ("WebEngine", "Qml", "Quick", "3D", "Multimedia"))
    ]
    assert not unused, unused
    assert not (internal / "fastapi").exists() and not (internal / "sync" / "server").exists()
    # Qt's ICU data holds only root, English and Chinese (packaging/trim.py): 31 MB -> 5 MB.
    [icu_data] = [p for p in (qt / "lib").glob("libicudata.so.*") if not p.is_symlink()]
    assert icu_data.stat().st_size < 8 * 2**20
    # The system's CUPS client, where there is one (the .deb depends on it), not a copy.
    assert not (internal / "libcups.so.2").exists() and not (internal / "libgnutls.so.30").exists()
    assert [p.name for p in (internal / "stdnum").rglob("*.dat")] == ["loc.dat"]
    assert not (internal / "reportlab" / "fonts").exists()
    # What nothing loads (GIO, GTK's libjpeg, Python's sqlite3, the phrase dictionary, Japanese and
    # Korean codecs), and the desktop's own X11, GLib, D-Bus and font libraries (packaging/trim.py).
    for name in ("libgio-2.0.so.0", "libjpeg.so.62", "libsqlite3.so.0", "libX11.so.6", "libglib-2.0.so.0",
                 "libdbus-1.so.3", "libfontconfig.so.1", "libfreetype.so.6", "libsystemd.so.0"):  # fmt: skip
        assert not (internal / name).exists(), name
    assert (internal / "libxcb-cursor.so.0").is_file()  # Qt needs it and many desktops lack it
    assert not (internal / "pypinyin" / "phrases_dict.json").exists()
    assert (internal / "pypinyin" / "pinyin_dict.json").is_file()
    dynload = {p.name.split(".")[0] for p in internal.rglob("lib-dynload/*.so")}
    assert "_codecs_cn" in dynload and "_codecs_jp" not in dynload and "_sqlite3" not in dynload
    # Pillow's libXau: the system's 14 KB library instead of its 2 MB padded copy.
    assert all(p.stat().st_size < 200_000 for p in internal.glob("pillow.libs/libXau-*"))


def test_built_program_upgrades_first_release_data(built, tmp_path):
    """The bundled migrations, run by the built command line on data of the first release."""
    from tests.app.test_upgrade import ADMIN, PASSWORD, make_first_release_installation

    data = tmp_path / "data"
    make_first_release_installation(data, 30)
    env = dict(_env(tmp_path), CUNYI_DATA_DIR=str(data), CUNYI_USER=ADMIN, CUNYI_PASSWORD=PASSWORD)
    found = subprocess.run([str(built / "cunyi"), "resident", "find", "王"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert "王" in found.stdout
    assert len(list((data / "backups").glob("pre-upgrade-0001-to-*.cunyibak"))) == 1
