"""The layers (DESIGN.md: imports run one way): the import-linter contracts in pyproject.toml,
no import cycles, no private name used outside its module, no SQL in ui/, and app, forms and
sync import without PySide6."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "forms", "sync", "ui")

# Cycles another branch of issue 13 is taking apart (the server's push as one package); the
# lead removes an entry once that branch is merged. A cycle not listed here fails.
KNOWN_CYCLES: set[frozenset[str]] = set()
# Imports left out of the cycle search (none now; each entry would say its way out).
KNOWN_EDGES: set[tuple[str, str]] = set()
# Private names still imported across modules by files another branch of issue 13 rewrites.
KNOWN_PRIVATE: set[tuple[str, str]] = set()


def _lint_imports() -> Path:
    found = Path(sys.executable).parent / "lint-imports"
    if not found.exists():
        pytest.fail("import-linter is missing: run packaging/setup-env.sh (dev extras)")
    return found


def test_import_contracts_hold() -> None:
    out = subprocess.run([str(_lint_imports()), "--no-cache"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "BROKEN" not in out.stdout and out.stdout.count("KEPT") >= 7


def test_import_contracts_can_fail(tmp_path: Path) -> None:
    # The same tool on a contract today's code breaks (the desktop client imports app).
    config = tmp_path / "broken.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["app", "ui"]\n\n'
                      '[[tool.importlinter.contracts]]\nname = "x"\ntype = "forbidden"\n'
                      'source_modules = ["ui"]\nforbidden_modules = ["app"]\n')  # fmt: skip
    out = subprocess.run([str(_lint_imports()), "--no-cache", "--config", str(config)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode != 0 and "BROKEN" in out.stdout


def _cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert _cycles(edges) == [frozenset({"a", "b", "c"})]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    # Every import counts: at module level, inside functions and under TYPE_CHECKING.
    _lint_imports()  # grimp comes with import-linter
    import grimp

    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges = {m: {t for t in graph.find_modules_directly_imported_by(m) if (m, t) not in KNOWN_EDGES}
             for m in graph.modules}  # fmt: skip
    assert len(edges) > 150
    new = [sorted(c) for c in _cycles(edges) if c not in KNOWN_CYCLES]
    assert not new, new


def _module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_uses(module: str, path: Path, modules: dict[str, Path]) -> list[str]:
    """Names with a leading underscore that `module` takes from another of our modules."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    aliases: dict[str, str] = {}  # local name -> our module it stands for
    used: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname and a.name in modules:
                    aliases[a.asname] = a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] not in PACKAGES:
                continue
            for a in node.names:
                target = f"{base}.{a.name}"
                if target in modules:  # a module: private ones only from inside their package
                    aliases[a.asname or a.name] = target
                    if _private(a.name) and not module.startswith(base + "."):
                        used.append(target)
                elif _private(a.name):
                    used.append(target)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in aliases):  # fmt: skip
            target = aliases[node.value.id]
            if target != module:
                used.append(f"{target}.{node.attr}")
    return used


def test_no_private_name_taken_from_another_module() -> None:
    modules = _module_files()
    found = {(m, used) for m, path in modules.items() for used in _private_uses(m, path, modules)}
    # The one use that is not a module attribute is listed by its spelling in the source.
    batch = ROOT / "sync" / "server" / "batch.py"
    if batch.exists() and "p._build_create" in batch.read_text("utf-8"):
        found.add(("sync.server.batch", "p._build_create"))
    assert found - KNOWN_PRIVATE == set(), sorted(found - KNOWN_PRIVATE)


def test_private_name_check_can_fail(tmp_path: Path) -> None:
    src = tmp_path / "x.py"
    src.write_text("from app.db import migrate\nfrom app.services.residents import _hidden\n"
                   "migrate._config()\n")  # fmt: skip
    modules = _module_files()
    assert sorted(_private_uses("ui.x", src, modules)) == [
        "app.db.migrate._config", "app.services.residents._hidden"]


def test_ui_runs_no_sql() -> None:
    # Beyond the imports import-linter sees: no session, cursor or statement opened in ui/.
    calls = []
    for path in (ROOT / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"session", "cursor", "execute", "exec_driver_sql"}):  # fmt: skip
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []


def _modules(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        if info.name.endswith((".__main__", ".migrations.env")) or ".versions." in info.name:
            continue  # entry scripts and Alembic scripts run only as programs
        names.append(info.name)
    return names


def test_app_forms_sync_never_import_pyside6() -> None:
    # At run time too: import-linter reads the source, this imports every module.
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
