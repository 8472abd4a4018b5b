"""The domain, forms and sync packages never import PySide6 (DESIGN.md: imports run one way)."""

import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        if info.name.endswith((".__main__", ".migrations.env")) or ".versions." in info.name:
            continue  # entry scripts and Alembic scripts run only as programs
        names.append(info.name)
    return names


def test_app_forms_sync_never_import_pyside6() -> None:
    modules = _modules("app") + _modules("forms") + _modules("sync")
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "print(len(sys.modules))\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert len(modules) >= 3


def test_layering_check_detects_pyside6() -> None:
    # The check above must be able to fail: importing the Qt shim does pull PySide6 in.
    code = "import sys, ui.qt; assert any(m.startswith('PySide6') for m in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_test_modules_have_unique_names() -> None:
    # Test folders are not packages (helpers are imported by bare name), so two test files with
    # the same name would stop collection on a clean checkout.
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
