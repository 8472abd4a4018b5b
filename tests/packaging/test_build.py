"""The PyInstaller folder build (packaging/build.sh): built here, then its own smoke test and
`cunyi --version` run from the built folder, as a clinic laptop would run them.

Building takes minutes on this machine, so a build is kept in a cache named by a hash of
everything that goes into it (our sources, the spec and scripts, the installed packages'
versions) and reused while none of that changes: a changed source builds again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.version import __version__
from tests.conftest import ROOT
from tests.packaging.test_trim_rules import trim

# trim (packaging/trim.py) also reads what each file NEEDs and which files are ELF.

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
    # OpenSSL, the C++ runtime and Kerberos are the system's too.
    for name in ("libgio-2.0.so.0", "libjpeg.so.62", "libsqlite3.so.0", "libX11.so.6", "libglib-2.0.so.0",
                 "libdbus-1.so.3", "libfontconfig.so.1", "libfreetype.so.6", "libsystemd.so.0",
                 "libssl.so.3", "libcrypto.so.3", "libstdc++.so.6", "libgcc_s.so.1",
                 "libgssapi_krb5.so.2", "libkrb5.so.3"):  # fmt: skip
        assert not (internal / name).exists(), name
    # SQLCipher's module built against that libcrypto, not the wheel's with a static OpenSSL.
    [module] = (internal / "sqlcipher3").glob("_sqlite3*.so")
    assert "libcrypto.so.3" in trim._needed(module) and module.stat().st_size < 3 * 2**20
    # This machine has every system library the folder needs (what install.sh checks).
    check = subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "check-libs.sh"), str(built)],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert check.returncode == 0 and check.stdout.strip() == "", check.stdout + check.stderr
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


def test_built_folder_within_the_size_goal(built):
    """Issue 18: the one-folder build at most 150 MB (bytes of its files, links not counted)."""
    size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file() and not p.is_symlink())
    assert size <= 150_000_000, f"{size:,} bytes"


def test_deb_depends_on_every_system_library_the_folder_loads(built, tmp_path):
    """The .deb names what the folder takes from the system: every library the folder's files load
    from outside it (as ldd resolves them here) belongs to a package in the closure of the .deb's
    Depends, and libc6's floor is the newest glibc symbol version any file asks for."""
    for tool in ("dpkg-deb", "dpkg", "apt-cache", "ldd", "objdump", "readelf"):
        if shutil.which(tool) is None:
            pytest.skip(f"needs {tool} (a Debian machine)")
    # Under the umask this program itself sets (077): the package must still be everyone's.
    made = subprocess.run(["sh", "-c", 'umask 077; exec bash "$0" "$@"', str(ROOT / "packaging" / "linux" / "make-deb.sh"),
                           str(built), str(tmp_path)], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, CUNYI_DEB_COMPRESSION="none"))  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    [deb] = tmp_path.glob("cunyi_*_amd64.deb")
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    modes = {line.split()[0] for line in listing.splitlines()}
    assert all(m[7] == "r" and m[8] == "-" for m in modes if not m.startswith("l")), sorted(modes)
    depends = subprocess.run(["dpkg-deb", "-f", str(deb), "Depends"], capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
    alternatives = [[a.strip().split(" ")[0] for a in d.split("|")] for d in depends.split(",")]
    floor = re.search(r"libc6 \(>= ([0-9.]+)\)", depends)
    assert floor, depends
    elves = trim._elves(built)
    asked = set()
    for elf in elves:
        dump = subprocess.run(["objdump", "-T", str(elf)], capture_output=True, text=True).stdout
        asked |= {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_([0-9.]+)\b", dump)}
    assert max(asked) == tuple(int(x) for x in floor.group(1).split(".")), (max(asked), floor.group(1))

    def installed(name: str) -> bool:
        q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True)
        return "install ok installed" in q.stdout

    roots = []
    for alts in alternatives:
        here = [a for a in alts if installed(a)]
        assert here, f"none of {alts} is installed here"
        roots.append(here[0])
    tree = subprocess.run(["apt-cache", "depends", "--recurse", "--installed", "--no-recommends",
                           "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
                           "--no-enhances", *roots], capture_output=True, text=True, check=True).stdout  # fmt: skip
    closure = {line.strip().split(":")[0] for line in tree.splitlines() if line and not line[0].isspace()}
    internal = built / "_internal"
    env = dict(os.environ, LD_LIBRARY_PATH=f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}")
    system_libs = set()
    for elf in elves:
        if elf.name.endswith(".so") or ".so." in elf.name:
            out = subprocess.run(["ldd", str(elf)], capture_output=True, text=True, env=env).stdout
            for path in re.findall(r"=> (/\S+)", out):
                if not path.startswith(str(built)):
                    system_libs.add(Path(path).name)
    assert "libcrypto.so.3" in system_libs and "libGL.so.1" in system_libs, sorted(system_libs)
    owners = {}
    for name in sorted(system_libs):
        found = subprocess.run(["dpkg", "-S", f"*/{name}"], capture_output=True, text=True).stdout
        owners[name] = {line.split(":")[0] for line in found.splitlines() if line.endswith("/" + name)}
    outside = {name: pkgs for name, pkgs in owners.items() if not pkgs & closure}
    assert not outside, outside


# SQLCipher's module as the Linux folder carries it (packaging/linux/build-sqlcipher.sh): the
# tests of encryption, key changes, backups and upgrades run with it in place of the wheel's.
SQLCIPHER_TESTS = ("tests/app/test_store.py", "tests/app/test_no_plaintext.py",
                   "tests/app/test_key_rotation.py", "tests/app/test_upgrade.py")  # fmt: skip


@pytest.fixture(scope="module")
def shared_sqlcipher() -> Path:
    if not sys.platform.startswith("linux"):
        pytest.skip("the module is built against the system's libcrypto on Linux only")
    made = subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "build-sqlcipher.sh"), sys.executable],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    return Path(made.stdout.strip().splitlines()[-1])


def _shared_env(site: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=f"{site}{os.pathsep}{ROOT}")


def test_storage_tests_pass_with_the_shared_sqlcipher(shared_sqlcipher):
    env = _shared_env(shared_sqlcipher)
    # One OpenSSL in the process: SQLCipher reports the version Python's ssl module loaded.
    code = ("import ssl, sqlcipher3; c = sqlcipher3.connect(':memory:'); c.execute(\"pragma key='k'\"); "
            "print(sqlcipher3.__file__); print(c.execute('pragma cipher_provider_version').fetchone()[0]); "
            "print(ssl.OPENSSL_VERSION)")  # fmt: skip
    probe = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    where, provider, python_ssl = probe.stdout.splitlines()
    assert where.startswith(str(shared_sqlcipher)), where
    assert provider.split()[1] == python_ssl.split()[1], (provider, python_ssl)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *SQLCIPHER_TESTS],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout.splitlines()[-1] and " skipped" not in run.stdout.splitlines()[-1]


def test_data_of_one_sqlcipher_build_opens_with_the_other(shared_sqlcipher, tmp_path):
    """An installation made with the registry's wheel (the development setup, earlier builds) is
    read and written by the folder's module, and back: same SQLCipher, other OpenSSL."""
    data = tmp_path / "data"
    base = dict(os.environ, CUNYI_DATA_DIR=str(data), CUNYI_USER="demo", CUNYI_PASSWORD="demo1234",
                CUNYI_KDF_COST="test")  # fmt: skip
    wheel_env = dict(base, PYTHONPATH=str(ROOT))
    shared_env = dict(base, PYTHONPATH=f"{shared_sqlcipher}{os.pathsep}{ROOT}")

    def cunyi(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
        r = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, input=stdin,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
        assert r.returncode == 0, r.stderr
        return r.stdout

    cunyi(wheel_env, "demo", "--residents", "20")
    assert len(json.loads(cunyi(shared_env, "resident", "find", "", "--json"))) == 20
    cunyi(shared_env, "check")
    added = {"name": "李秀英", "id_number": "11010519491231002X", "phone": "13800138000"}
    cunyi(shared_env, "resident", "add", "--json", "-", stdin=json.dumps(added, ensure_ascii=False))
    found = json.loads(cunyi(wheel_env, "resident", "find", "李秀英", "--json"))
    assert [r["name"] for r in found] == ["李秀英"]
    assert len(json.loads(cunyi(wheel_env, "resident", "find", "", "--json"))) == 21
    cunyi(wheel_env, "check")


def test_install_sh_installs_for_every_user_and_upgrades_in_place(built, tmp_path):
    """packaging/linux/install.sh below a staging root, under umask 077 (as a root shell may have):
    the program readable and runnable by every account, the menu entry, icon and commands in
    place; a second run (an upgrade) replaces the program folder whole."""
    root = tmp_path / "root"
    env = dict(os.environ, CUNYI_INSTALL_ROOT=str(root))
    # The folder as it arrives when built or copied under that umask: only its owner may read it.
    folder = tmp_path / "cunyi"
    subprocess.run(["sh", "-c", 'umask 077; cp -r "$0" "$1"', str(built), str(folder)], check=True)
    assert not (folder / "cunyi-desktop").stat().st_mode & 0o044
    script = ["sh", "-c", 'umask 077; exec bash "$0"', str(folder / "install.sh")]
    first = subprocess.run(script, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "已安装到 /opt/cunyi" in first.stdout and "缺少" not in first.stdout
    dest = root / "opt" / "cunyi"
    for path in [dest, *dest.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        assert mode & 0o004, path  # others may read
        assert not mode & 0o022, path  # nobody else may write
        if path.is_dir() or path.name in ("cunyi-desktop",):
            assert mode & 0o001, path
    assert (root / "usr/share/applications/cunyi-desktop.desktop").is_file()
    assert (root / "usr/share/icons/hicolor/256x256/apps/cunyi.png").is_file()
    assert os.readlink(root / "usr/local/bin/cunyi") == "/opt/cunyi/cunyi"
    version = subprocess.run([str(dest / "cunyi"), "--version"], env=_env(tmp_path), capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert version.stdout.strip() == f"cunyi {__version__}", version.stderr
    (dest / "left-from-the-old-version.txt").write_text("x")
    again = subprocess.run(script, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert not (dest / "left-from-the-old-version.txt").exists() and (dest / "cunyi-desktop").is_file()
