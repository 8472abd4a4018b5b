"""Entry point of the installed desktop client (`cunyi-desktop`, the packaged program): process
hardening first, then --version, --smoke-test or the client itself."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

SMOKE_USER, SMOKE_PASSWORD = "checker", "secret1-pw"
SMOKE_AREA = "110105001101"


def desktop(argv: list[str] | None = None) -> int:
    from app.hardening import harden_process, protect_key_memory

    harden_process()
    protect_key_memory()  # the desktop holds the key all day; its searches cost the same
    args = sys.argv[1:] if argv is None else list(argv)
    if "--version" in args:
        from app.version import __version__

        print(f"cunyi-desktop {__version__}")
        return 0
    if "--smoke-test" in args:
        return smoke_test()
    return start_client(args)


def start_client(args: list[str]) -> int:
    """The client, once per data folder (ui/single.py), with the crash handler (ui/crash.py)."""
    from app.paths import default_data_dir
    from ui import crash, single
    from ui.app import main, make_application, parse_args

    data_dir = parse_args(args).data_dir or default_data_dir()
    make_application()
    try:
        instance = single.claim(data_dir)
    except OSError as e:
        # A windowed program has no console: said in a window, or nobody sees why it ended.
        tell_and_end(folder_problem(data_dir, e))
        return 1
    if instance is None:
        single.ask_to_come_forward(data_dir)
        print(f"村医已在运行（数据目录 {data_dir}），已切换到它的窗口")
        return 0
    crash.install(data_dir)
    if os.environ.get("CUNYI_STARTUP_PROBE"):  # bench/bench_packaged.py: quit once it is up
        from ui.qt import QTimer

        QTimer.singleShot(0, startup_probe_done)
    try:
        return main(args)
    finally:
        crash.uninstall()
        instance.release()


def startup_probe_done() -> None:
    """The event loop runs with the first window shown: says so (the bench times the line) and
    quits."""
    from ui.qt import QApplication

    print(f"STARTUP first window up ({time.process_time():.2f} s CPU)", flush=True)
    QApplication.quit()


def folder_problem(data_dir: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return (f"没有权限使用数据文件夹 {data_dir}。请让管理员把您的 Windows 账户加入 CunyiUsers 组"
                "（net localgroup CunyiUsers 账户名 /add），注销后重新登录再打开村医。")  # fmt: skip
    return f"无法使用数据文件夹 {data_dir}（{exc.strerror or type(exc).__name__}），请联系乡镇卫生院技术人员。"


def tell_and_end(text: str) -> None:
    from ui.qt import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "村医", text, QMessageBox.StandardButton.Ok)
    box.setObjectName("startProblem")
    box.exec()


def run() -> None:
    """`cunyi-desktop` ([project.gui-scripts]) and the packaged program."""
    sys.exit(desktop())


def smoke_test() -> int:
    """What a build must be able to do, on throw-away data: open a new encrypted database, print
    a PDF with the bundled font, load Qt's Chinese catalogue and create and close the main window
    offscreen. Catches a build missing a hidden import, a data file, a font, a Qt plugin or a
    translation. Prints one line and returns 0 when all of it worked."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cunyi-smoke-") as tmp:
        steps = _smoke_steps(Path(tmp))
    print(f"SMOKE OK {steps} ({time.monotonic() - started:.1f} s)")
    return 0


def _smoke_steps(tmp: Path) -> str:
    from app.services import residents
    from app.store import Store
    from forms.pdf import render_form

    data = tmp / "data"
    store, _ = Store.create(data, area=SMOKE_AREA, institution_name="自检卫生室",
                            user=SMOKE_USER, password=SMOKE_PASSWORD)  # fmt: skip
    registered = residents.add(store, {"name": "张䶮", "sex": "1", "birth_date": "1950-03-01",
                                       "village": SMOKE_AREA[9:]})  # fmt: skip
    person = residents.get(store, registered["uuid"])
    pdf = tmp / "smoke.pdf"
    with open(pdf, "wb") as out:
        pages = render_form("cover", person, [], out)
    data_pdf = pdf.read_bytes()
    if pages < 1 or b"FontFile2" not in data_pdf:
        raise SystemExit("SMOKE FAILED: the PDF has no embedded bundled font")

    from ui import app as ui_app

    qt_app = ui_app.make_application([sys.argv[0]])
    if not ui_app.translations_installed():
        raise SystemExit("SMOKE FAILED: qtbase_zh_CN not found")
    from ui.qt import QApplication
    from ui.shell import Shell
    from ui.tasks import worker

    worker().run_sync(lambda _none: worker().set_store(store))
    shell = Shell(data)
    shell.logged_in(store.user)
    deadline = time.monotonic() + 60
    while shell.main is None and time.monotonic() < deadline:
        qt_app.processEvents()
        time.sleep(0.01)
    if shell.main is None:
        raise SystemExit("SMOKE FAILED: the main window did not open")
    title = shell.main.windowTitle()
    shell.main.close()
    shell.shutdown()
    QApplication.processEvents()
    platform = QApplication.platformName()
    return f"db+pdf({pages}p)+window('{title}') qtbase_zh_CN: True {icu_check()} platform: {platform}"


def icu_check() -> str:
    """Qt's ICU data is cut down in the Linux build (packaging/trim.py): Chinese collation (pinyin
    order; the code point order without the zh tables) must still be there."""
    import functools

    from ui.qt import QCollator, QLocale

    collator = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    order = "".join(sorted("赵张阿王李", key=functools.cmp_to_key(collator.compare)))
    if order != "阿李王张赵":
        raise SystemExit(f"SMOKE FAILED: Chinese collation gives {order} (Qt's ICU data)")
    return f"collation: {order}"
