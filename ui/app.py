"""Process start-up: the QApplication with the bundled CJK font and Qt's Chinese catalogue."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.paths import default_data_dir
from ui.qt import (
    QApplication,
    QCoreApplication,
    QFont,
    QFontDatabase,
    QLibraryInfo,
    QLocale,
    QTranslator,
)

if TYPE_CHECKING:
    from ui.shell import Shell

log = logging.getLogger("cunyi.ui.app")

FONT_DIR = Path(__file__).resolve().parent.parent / "forms" / "fonts"
FONT_PATH = FONT_DIR / "wqy-microhei.ttc"
FALLBACK_PATHS = (FONT_DIR / "HanaMinA-ext.ttf", FONT_DIR / "HanaMinB-ext.ttf")
FONT_POINT_SIZE = 10

_translators: list[QTranslator] = []  # kept alive: Qt does not own installed translators


def translations_installed() -> bool:
    """Whether Qt's own Chinese translation was found (the built program's smoke test asks)."""
    return bool(_translators)


def register_font(app: QApplication) -> str | None:
    """Register the fonts that ship with the app, so Chinese renders on machines without CJK
    fonts, and make WenQuanYi the application font with the Hanazono subsets as its fallbacks:
    rare name characters (䶮 𬌗 𠮷, CJK Extension A and B-F) then show in every widget, as
    they print (forms/pdf/fonts.py), instead of as boxes."""
    font_id = QFontDatabase.addApplicationFont(str(FONT_PATH))
    if font_id < 0:
        log.warning("bundled font could not be loaded")
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    fallbacks: list[str] = []
    for path in FALLBACK_PATHS:
        fid = QFontDatabase.addApplicationFont(str(path))
        if fid < 0:
            log.warning("bundled fallback font could not be loaded")
            continue
        fallbacks += QFontDatabase.applicationFontFamilies(fid)[:1]
    # Both ways: the application font lists them, and widgets that name the family themselves
    # (QFont(family)) get them by substitution.
    QFont.insertSubstitutions(family, fallbacks)
    font = QFont(family, FONT_POINT_SIZE)
    font.setFamilies([family, *fallbacks])
    app.setFont(font)
    return family


def load_qt_translations(app: QApplication) -> bool:
    """Qt's own strings (dialog buttons, file dialogs, print dialog) in Chinese."""
    locale = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(locale)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    ok = False
    for name in ("qtbase", "qt"):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", path):
            app.installTranslator(translator)
            _translators.append(translator)
            ok = ok or name == "qtbase"
    if not ok:
        log.warning("qtbase_zh_CN not found")
    return ok


def make_application(argv: list[str] | None = None) -> QApplication:
    """Create (or reuse, under pytest-qt) the QApplication and set it up for a Chinese UI."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    QCoreApplication.setApplicationName("cunyi")
    app.setApplicationDisplayName("村医")
    if not getattr(app, "_cunyi_ready", False):
        register_font(app)
        load_qt_translations(app)
        app.setStyle("Fusion")  # same look on every Windows version and on Linux
        app._cunyi_ready = True  # type: ignore[attr-defined]
    return app


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ui", description="村医 桌面客户端")
    parser.add_argument("--data-dir", type=Path, default=None, help="数据目录（默认为用户数据目录）")
    return parser.parse_args(argv)


def open_client(argv: list[str], *, real_process: bool = False) -> Shell:
    """The client on the data directory the command line names, else the one default that the
    CLI and packaging/run-app.sh use too (app/paths.py), showing its first window."""
    args = parse_args(argv)
    make_application()
    data_dir: Path = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    from ui.shell import Shell

    if real_process:
        from ui.errors import setup_logging

        setup_logging(data_dir)
    shell = Shell(data_dir)
    shell.freeze_heap = real_process
    shell.start()
    return shell


def main(argv: list[str] | None = None) -> int:
    shell = open_client(sys.argv[1:] if argv is None else argv, real_process=True)
    code = QApplication.instance().exec()
    shell.backup_on_exit()
    shell.shutdown()
    return code
