"""Issue 12: a bounded, seeded fuzz of every `cunyi` command (enumerated from the parser, so a new
command is fuzzed too) ends in no 内部错误: each refusal is one line naming the argument, field or
file, with its exit code, and the installation still passes `cunyi check` afterwards.

The calls run in-process (app.cli.main.main with argv, environment and stdin) against a real
encrypted installation; see cli_fuzz.py for what is mutated."""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from cli_fuzz import INTERNAL, SKIP, Leaf, Outcome, build_world, command_of, invoke, leaves, run

from app.cli.main import one_line
from tests.conftest import ADMIN, PASSWORD

SEED = int(os.environ.get("CUNYI_FUZZ_SEED", "20260312"))  # another seed: explore further
CALLS = int(os.environ.get("CUNYI_FUZZ_CALLS", "2500"))

KEYED = re.compile(r"（[\w$][\w.$\[\]]*）", re.ASCII)  # 姓名（name）: the key a script wrote
# What a refusal of each kind is about, when it names no argument value: who logs in (4), what
# was looked for (5).
SUBJECTS = {4: ("密码", "用户", "权限", "恢复代码", "登录"),
            5: ("居民", "记录", "用户", "表单", "冲突", "设备", "家庭", "版")}  # fmt: skip


def _base(arg: str) -> list[str]:
    """A file's name (messages about a file's content name it) and its folder (the part of a
    path that could not be used)."""
    return list(arg.rsplit("/", 1)) if "/" in arg and len(arg) < 4096 else []


def argument_names(leaf: Leaf) -> set[str]:
    """How a message may name an argument of the command: --option or METAVAR."""
    names = {opt for a in leaf.optionals for opt in a.option_strings if opt.startswith("--")}
    return names | {n for a in leaf.positionals for n in (a.metavar or a.dest.upper(), a.dest)}


def problems_of(o: Outcome, data_dir: Path, arguments: set[str]) -> list[str]:
    """What is wrong with how the call ended (an empty list: nothing)."""
    err = o.err.strip()
    bad = [word for word in (INTERNAL, "Traceback", "Exception ignored") if word in o.err]
    if bad:
        return [f"{bad[0]}: {err[-300:]}"]
    if o.code == 0:
        return []
    command = command_of(o.argv)[:1]
    if command == ["status"] or (command == ["check"] and o.code == 1):
        return []  # answers, not refusals: "not set up here", "these problems were found"
    lines = [line for line in err.splitlines() if line and not line.startswith("警告：")]
    if command == ["import"] and o.code == 3:  # one line per bad row, each naming its field
        return [f"row line names no line and field: {line}" for line in lines
                if not (line.startswith("第") and KEYED.search(line))]  # fmt: skip
    if len(lines) != 1:
        return [f"{len(lines)} lines: {err[:300]!r}"]
    line = lines[0]
    if not line.startswith("错误："):
        return [f"not an error line: {line[:200]!r}"]
    if o.code == 1:
        return []  # the installation or the server, not the input: said in a sentence
    options = {a.split("=", 1)[0] for a in o.argv if a.startswith("-")}
    # A value as typed, as shown (control characters escaped, ends trimmed), or a file's name.
    typed = {v for a in o.argv for v in (a, a.split("=", 1)[-1], *_base(a))}
    values = {w for v in typed for w in (v, one_line(v).strip()) if w.strip()}
    names = (
        KEYED.search(line)
        or line.endswith(" --help）")  # argparse's: it names the argument (or lists the unknown)
        or any(opt in line for opt in options | arguments)
        or any(v in line for v in values)
        or str(data_dir) in line
        or "CUNYI_" in line
        or any(word in line for word in SUBJECTS.get(o.code, ()))
    )
    return [] if names else [f"names nothing it refuses: {line[:200]!r}"]


@pytest.mark.slow
def test_fuzzing_every_command_ends_in_no_internal_error(data_dir: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from app.cli import main as cli_main

    # Relative paths the fuzzer types (".", "..", "") land in a scratch folder.
    cwd = tmp_path / "cwd" / "here"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    # Built once: the tree is the same for every call and building it is half a call's time.
    monkeypatch.setattr(cli_main, "build_parser", functools.cache(cli_main.build_parser))
    world = build_world(tmp_path / "fuzz", data_dir, ADMIN, PASSWORD, SEED)
    outcomes, codes = run(world, CALLS, SEED)

    print(f"\ncli fuzz: {len(outcomes)} calls, by exit code: "
          + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())))  # fmt: skip
    by_path = {leaf.path: argument_names(leaf) for leaf in leaves(cli_main.build_parser())}

    def path_of(argv: list[str]) -> tuple[str, ...]:
        command = command_of(argv)
        return max((p for p in by_path if tuple(command[: len(p)]) == p), key=len, default=())

    def arguments(argv: list[str]) -> set[str]:
        return by_path.get(path_of(argv), set())

    failures = [(o.argv, p) for o in outcomes for p in problems_of(o, data_dir, arguments(o.argv))]
    for argv, problem in failures[:30]:
        print("FAIL", repr(argv)[:300], "->", problem)
    assert not failures, f"{len(failures)} of {len(outcomes)} calls ended badly"

    # The fuzz reached every command and got past the parser often enough to mean something.
    called = Counter(path_of(o.argv) for o in outcomes)
    assert not [p for p in by_path if p not in SKIP and not called[p]]
    assert codes[0] > len(outcomes) // 10 and codes[3] > 0 and codes[5] > 0

    check = invoke(["check"], world.env())
    assert check.code == 0, check.err
    assert "数据完整" in check.out
    assert os.path.exists(data_dir / "cunyi.db")
