"""Issue 13, the server's part: the push is one package with a public interface, the server's
modules import one another without a cycle, record numbers come from one allocator and feed
rows from one writer. Read from the source, so a new copy or cycle fails here."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "sync" / "server"


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in SERVER.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        rel = path.relative_to(SERVER.parent.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The server modules `name` imports anywhere (top level or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolve against the importing package
                pkg = name.split(".")[: -node.level] if not name.endswith("__init__") else []
                base = ".".join([*pkg, node.module])
            if base in known:
                found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
    found.discard(name)
    return found


def test_server_modules_have_no_import_cycle() -> None:
    mods = _modules()
    graph = {n: _imports(n, t, set(mods)) for n, t in mods.items()}
    # A package's __init__ re-exporting its own modules is not a cycle with them.
    for n in graph:
        graph[n] = {m for m in graph[n] if not m.startswith(n + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(n: str, path: list[str]) -> None:
        state[n] = 1
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycles.append([*path[path.index(m) :], m] if m in path else [n, m])
            elif m not in state:
                visit(m, [*path, m])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert not cycles, cycles


def test_push_is_one_package_with_a_public_interface() -> None:
    mods = _modules()
    assert "sync.server.push" in mods and (SERVER / "push" / "__init__.py").exists()
    assert "sync.server.batch" not in mods  # the fast path lives inside the package
    init = mods["sync.server.push"]
    exported = next(
        ast.literal_eval(n.value)
        for n in init.body
        if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)
    )
    assert {"push_changes", "resolve_on_server", "Rejected"} <= set(exported)
    # Outside the package, only the public names are imported from it.
    for name, tree in mods.items():
        if name.startswith("sync.server.push"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "sync.server.push"
            ):
                assert node.module == "sync.server.push", (name, node.module)
                assert {a.name for a in node.names} <= set(exported), name
    # Inside, no module reaches into another's private names (the old batch.py did).
    for name, tree in mods.items():
        if not name.startswith("sync.server.push"):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                raise AssertionError(f"{name} uses private {node.attr}")


def _uses(tree: ast.Module, what: str) -> bool:
    return any(
        isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == what
        for n in ast.walk(tree)
    ) or any(isinstance(n, ast.Name) and n.id == what for n in ast.walk(tree))


def test_one_record_number_allocator_and_one_feed_writer() -> None:
    mods = _modules()
    counters = sorted(
        n for n, t in mods.items() if _uses(t, "SerialCounter") and n != "sync.server.models"
    )
    assert counters == ["sync.server.numbers"], counters
    feeds = sorted(
        n
        for n, t in mods.items()
        if any(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "Feed" for c in ast.walk(t))
    )
    assert feeds == ["sync.server.feed"], feeds
