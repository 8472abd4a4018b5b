"""A seeded fuzzer of the `cunyi` command line (issue 12): every command and sub-command of the
argparse tree is called in-process with mutated arguments, environment and input files against a
real encrypted installation. Each call's outcome is classified so a test can assert that no call
ends in 内部错误 and every refusal names what it refuses.

The commands are enumerated from app.cli.main.build_parser(), so a new command is fuzzed without
touching this file; arguments are filled by what their name and type say (a REF gets residents'
numbers, a FILE gets files, an int gets numbers) and then mutated from a pool of hostile values.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTERNAL = "内部错误"

# Commands not called: `county serve` runs a server until it is stopped.
SKIP = {("county", "serve")}


@dataclass
class Outcome:
    argv: list[str]
    code: int
    out: str
    err: str


@dataclass
class Leaf:
    path: tuple[str, ...]
    parser: argparse.ArgumentParser
    positionals: list[argparse.Action]
    optionals: list[argparse.Action]


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Leaf]:
    """Every command that runs something (has a func), with its own arguments."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if parser.get_default("func") is not None:
        own = [a for a in parser._actions if not isinstance(a, (argparse._SubParsersAction,
                                                                argparse._HelpAction))]  # fmt: skip
        yield Leaf(path, parser, [a for a in own if not a.option_strings],
                   [a for a in own if a.option_strings])  # fmt: skip
    for sub in subs:
        for name, child in sub.choices.items():
            yield from leaves(child, (*path, name))


def command_of(argv: list[str]) -> list[str]:
    """argv from the command on: options given before it (`--user x resident find`) dropped."""
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        i += 1 if "=" in argv[i] else 2
    return argv[i:]


def invoke(argv: list[str], env: dict[str, str], stdin: str = "") -> Outcome:
    """One call of app.cli.main.main, its streams encoded as a terminal's would be (stdout strict
    UTF-8, so text a terminal cannot show fails as it would in a real process)."""
    from app.cli.main import main

    out_raw, err_raw = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_raw, encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(err_raw, encoding="utf-8", errors="backslashreplace")
    saved_env = dict(os.environ)
    saved = sys.stdin, sys.stdout, sys.stderr
    os.environ.update(env)
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        try:
            code = main(argv)
        except SystemExit as e:  # argparse's usage errors, --help
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
        with contextlib.suppress(ValueError):
            out.flush()
        err.flush()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        os.environ.clear()
        os.environ.update(saved_env)
    return Outcome(argv, code, out_raw.getvalue().decode("utf-8", "replace"),
                   err_raw.getvalue().decode("utf-8", "replace"))  # fmt: skip


LONG = "长" * 20_000
GARBAGE = [
    "", " ", "0", "-1", "-99999999999", "99999999999999999999999", "1e309", "nan", "0x10", "３",
    "\x00", "a\x00b", "\ud800", "abc\udcff", "\u202e李秀英", "\u200f123", LONG, "x" * 300,
    "2023-02-30", "2023-13-01", "0000-00-00", "9999-12-31T99:99", "1900-01-01", "-", "--x",
    "null", "{}", "[]", "'", '"', "%s%n", "${HOME}", "张三", "🙂", "\t", "\n", "a\nb", "..",
]
SYSTEM_PATHS = ["/proc/self/mem", "/dev/null", "/", "/proc/version/x", "/etc/hostname"]
PERSON = {"name": "赵大", "sex": "1", "birth_date": "1970-01-02"}


def _json_shapes(rng: random.Random) -> list[str]:
    deep = "[" * 50_000 + "]" * 50_000
    deep_obj = '{"name":' * 5000 + "1" + "}" * 5000
    return [
        "", "{", "null", "[]", "1", '"x"', "[1,2]", '{"name": null}', '{"name": 5}',
        '{"name": ["a"]}', '{"name": {"x": 1}}', '{"birth_date": "2023-02-30", "name": "甲", "sex": "1"}',
        '{"name": "' + "甲" * 200_000 + '", "sex": "1", "birth_date": "1970-01-01"}',
        deep, deep_obj, '{"name": "\\ud800", "sex": "1", "birth_date": "1970-01-01"}',
        '{"name": "a\\u0000b", "sex": "1", "birth_date": "1970-01-01"}',
        '{"sbp": "abc"}', '{"sbp": 1e309}', '{"sbp": -5}', '{"sbp": 99999999999999999999999}',
        '{"visit_date": "2023-02-30"}', '{"visit_date": 20230101}', '{"symptoms": "1"}',
        '{"symptoms": [[["1"]]]}', '{"symptoms": [null]}', '{"past_diseases": [{"code": []}]}',
        '{"past_diseases": "2"}', '{"past_diseases": [1, 2]}', '{"household": 5}',
        '{"village": ["101"]}', '{"id_number": 11010519491231002}', '{"phone": {"a": 1}}',
        '{"\\u202ename": "甲"}', '{"": ""}', "NaN", '{"sbp": NaN}', '{"sbp": Infinity}',
        '{"doc": true}', "true", '{"status": "final"}', '{"rev": "x"}', '{"uuid": 1}',
        json.dumps({"name": "钱二", "sex": "9", "birth_date": "1970-01-01"}),
        json.dumps({"name": "孙三", "sex": "1", "birth_date": "1970-01-01", "id_number": "x" * 50}),
        json.dumps({str(i): i for i in range(rng.randint(1, 3000))}),
    ]


CSV_HEADERS = ["姓名,性别,出生日期", "name,sex,birth_date,id_number", "a,b,c", "", "姓名",
               "姓名,姓名,姓名", "name,sex,birth_date,past_diseases,household,village"]  # fmt: skip


def _csv_files(rng: random.Random) -> list[bytes]:
    rows = ["单田芳,男,1950-01-02", "李秀英,女,2023-02-30", ",,", '"unterminated,1,2',
            "王五,男,1960-03-04,extra,extra", "\x00,\x00,\x00", "甲" * 5000 + ",男,1950-01-01",
            "王六,9,0000-00-00", "赵七,男,1950-01-01,[[[[[", "=cmd|' /C calc'!A0,男,1950-01-01",
            "钱八,男,1950-01-01,\"" + "[" * 2000 + "\"", "孙九,女,99999-01-01"]  # fmt: skip
    out = [b"", b"\xff\xfe\x00", b"\xef\xbb\xbf", bytes(rng.randrange(256) for _ in range(300)),
           b"PK\x03\x04garbage", "姓名,性别\n李,女\n".encode("utf-16")[:-1]]  # fmt: skip
    for _ in range(12):
        header = rng.choice(CSV_HEADERS)
        body = "\n".join(rng.choice(rows) for _ in range(rng.randint(0, 6)))
        text = header + "\n" + body
        raw = text.encode(rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
        if rng.random() < 0.3 and raw:
            at = rng.randrange(len(raw))
            raw = raw[:at] + bytes([rng.randrange(128, 256)]) + raw[at + 1:]
        out.append(raw)
    return out


@dataclass
class World:
    """The installation and the files the fuzzer hands to commands."""

    root: Path
    data_dir: Path
    user: str
    password: str
    residents: list[dict[str, Any]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    json_files: list[str] = field(default_factory=list)
    json_texts: list[str] = field(default_factory=list)
    import_files: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)
    bad_paths: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    county_dbs: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    counter: int = 0

    def env(self) -> dict[str, str]:
        return {"CUNYI_DATA_DIR": str(self.data_dir), "CUNYI_USER": self.user,
                "CUNYI_PASSWORD": self.password, "CUNYI_NEW_PASSWORD": self.password}  # fmt: skip

    def fresh(self, suffix: str) -> str:
        self.counter += 1
        return str(self.root / "out" / f"o{self.counter}{suffix}")


def build_world(root: Path, data_dir: Path, user: str, password: str, seed: int) -> World:
    from forms.docs import catalogue
    from forms.examples import example

    rng = random.Random(seed)
    w = World(root, data_dir, user, password)
    (root / "out").mkdir(parents=True)
    w.forms = [r["code"] for r in catalogue()]
    env = w.env()
    for i, data in enumerate([
        {"name": "李秀英", "id_number": "11010519491231002X", "phone": "13800138000"},
        {"name": "王秀兰", "id_number": "110105195103082025", "past_diseases": [{"code": "2"}]},
        {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"},
    ]):  # fmt: skip
        done = invoke(["resident", "add", "--json", "-"], env, json.dumps(data, ensure_ascii=False))
        assert done.code == 0, done.err
        w.residents.append(json.loads(done.out))
        if i == 1:
            for form in ("htn_followup", "health_exam"):
                rec = invoke(["record", "add", w.residents[-1]["uuid"], "--form", form, "--json", "-",
                              "--confirm"], env, json.dumps(example(form), ensure_ascii=False))  # fmt: skip
                assert rec.code == 0, rec.err
                w.records.append(json.loads(rec.out)["uuid"])
    backup = str(root / "good.cybak")
    made = invoke(["backup", "-o", backup], env)
    assert made.code == 0, made.err
    w.backups = [backup]
    valid = [PERSON, example("htn_followup"), example("health_exam")]
    texts = [json.dumps(v, ensure_ascii=False) for v in valid] + _json_shapes(rng)
    w.json_texts = texts
    files = root / "in"
    files.mkdir()
    for i, text in enumerate(texts):
        p = files / f"j{i}.json"
        p.write_text(text, "utf-8", errors="surrogatepass")
        w.json_files.append(str(p))
    bad_utf8 = files / "bad.json"
    bad_utf8.write_bytes(b'{"name": "\xff\xfe"}')
    gbk = files / "gbk.json"
    gbk.write_bytes('{"name": "李四", "sex": "1", "birth_date": "1970-01-01"}'.encode("gb18030"))
    w.json_files += [str(bad_utf8), str(gbk)]
    for i, raw in enumerate(_csv_files(rng)):
        p = files / f"c{i}.csv"
        p.write_bytes(raw)
        w.import_files.append(str(p))
    for name, raw in (("x.xlsx", b"PK\x03\x04not really"), ("y.xlsx", b""), ("z.txt", b"a,b"),
                      ("bk.cybak", b"CYBK" + bytes(100)), ("empty.cybak", b"")):  # fmt: skip
        (files / name).write_bytes(raw)
        w.import_files.append(str(files / name))
    w.backups += [str(files / "bk.cybak"), str(files / "empty.cybak")]
    a_dir = root / "a-dir"
    a_dir.mkdir()
    a_file = files / "plain.txt"
    a_file.write_text("hello", "utf-8")
    (root / "dangling").symlink_to(root / "nowhere")
    w.bad_paths = [str(root / "missing.json"), str(a_dir), str(a_file / "below"), str(root / "dangling"),
                   str(root / ("n" * 300)), str(root / "no" / "dir" / "x")]  # fmt: skip
    os.mkfifo(root / "fifo")  # an output only: reading a pipe waits for a writer, as it should
    w.county_dbs = [f"sqlite:///{root / 'county.db'}", "sqlite:///" + str(a_dir), "postgresql+psycopg://x:y@127.0.0.1:1/none",
                    "nonsense://", "", "sqlite:///" + str(a_file)]  # fmt: skip
    return w


def _pick(rng: random.Random, w: World, action: argparse.Action) -> str:
    """A plausible value for the argument, by what it is for."""
    dest = action.dest
    if action.choices:
        return str(rng.choice(list(action.choices)))
    if action.type is int:
        return str(rng.choice([0, 1, 2, 3, 5, 10, -1, -7, 10**12, 2**63, 10**30]))
    if action.type is float:
        return rng.choice(["1", "0.5", "-1", "1e308", "inf", "nan", "0"])
    if dest in ("ref", "resident", "survivor", "duplicate", "refs"):
        r = rng.choice(w.residents)
        return rng.choice([r["uuid"], r["record_no"], r["record_no"][-8:], r["uuid"][:8]])
    if dest in ("uuid", "record"):
        return rng.choice(w.records or ["x"])
    if dest == "input":
        return rng.choice(["-", *w.json_files])
    if dest == "output":
        fresh = w.fresh(rng.choice([".pdf", ".csv", ".json", ".xlsx", ".cybak", ""]))
        return rng.choice([fresh] * 3 + w.bad_paths + [str(w.root / "fifo")])
    if dest == "file":
        return rng.choice(w.import_files + w.backups + w.bad_paths)
    if dest in ("code", "form") and w.forms:
        return rng.choice(w.forms + ["nope"])
    if dest == "area":
        return rng.choice(["110105001101", "110105", "11010500110", "999999999999", "11010500110a"])
    if dest in ("date", "since"):
        return rng.choice(["2020-01-01", "2023-02-30", "2020-1-1", "2020-01-01T10:00:00", "tomorrow"])
    if dest == "village":
        return rng.choice(["101", "999", "1", "abc"])
    if dest == "db":
        return rng.choice(w.county_dbs)
    if dest == "server":
        return rng.choice(["http://127.0.0.1:9", "https://127.0.0.1:9", "ftp://127.0.0.1", "127.0.0.1",
                           "http://", "https://[::1", "http://127.0.0.1:99999"])  # fmt: skip
    if dest in ("input", "file", "ca_cert") and rng.random() < 0.1:
        # Read, never written: a command writing here would replace them (run as root).
        return rng.choice(SYSTEM_PATHS)
    if dest in ("ca_cert", "tls_cert", "tls_key"):
        return rng.choice(w.bad_paths + w.json_files[:3])
    if dest == "data_dir":
        return rng.choice([str(w.data_dir)] * 4 + w.bad_paths[:5])
    if dest == "user":
        return rng.choice([w.user] * 6 + ["nobody", "li"])
    if dest == "name":
        # Not the fuzzer's own user: `user disable` would lock every later call out.
        return rng.choice(["li", "zhao", "Admin", "?", "a b"])
    if dest == "value":
        return rng.choice(['"x"', "1", "{}", "[1]", "text"])
    return rng.choice(["1", "abc", "李"])


def _mutate(rng: random.Random, w: World, action: argparse.Action) -> str:
    if rng.random() < 0.15:
        return rng.choice(w.bad_paths)
    value = rng.choice(GARBAGE)
    if rng.random() < 0.2:  # hostile decoration of a sensible value
        base = _pick(rng, w, action)
        value = rng.choice([base + "\x00", "\u202e" + base, base + "\udcff", " " + base + " ", base * 50])
    return value


def _value(rng: random.Random, w: World, action: argparse.Action, p_mutate: float) -> str:
    return _mutate(rng, w, action) if rng.random() < p_mutate else _pick(rng, w, action)


def make_call(rng: random.Random, w: World, leaf: Leaf) -> tuple[list[str], dict[str, str], str]:
    p_mutate = rng.choice([0.0, 0.2, 0.5, 1.0])
    argv = list(leaf.path)
    for action in leaf.positionals:
        count = 1 if action.nargs in (None, 1) else rng.choice([0, 1, 1, 2])
        if action.nargs == "+":
            count = max(count, 1)
        argv += [_value(rng, w, action, p_mutate) for _ in range(count)]
    for action in leaf.optionals:
        if action.dest in ("help",) or (not action.required and rng.random() < 0.5):
            continue
        if action.nargs == 0:
            argv.append(action.option_strings[-1])
            continue
        value = _value(rng, w, action, p_mutate)
        if value.startswith("-") and rng.random() < 0.5:
            argv.append(f"{action.option_strings[-1]}={value}")
        else:
            argv += [action.option_strings[-1], value]
    if rng.random() < 0.05 and len(argv) > len(leaf.path) + 1:  # a missing or doubled argument
        i = rng.randrange(len(leaf.path), len(argv))
        argv = argv[:i] + argv[i + 1:] if rng.random() < 0.5 else argv[:i] + [argv[i]] + argv[i:]
    global_options = [i for i, a in enumerate(argv) if a in ("--data-dir", "--user") and i + 1 < len(argv)]
    if global_options and rng.random() < 0.2:  # given before the command: `cunyi --user x resident …`
        i = rng.choice(global_options)
        argv = argv[i : i + 2] + argv[:i] + argv[i + 2 :]
    env = w.env()
    roll = rng.random()
    if roll < 0.03:
        # A wrong password for no user: the administrator's own failures would throttle every
        # later call (the back-off is tested in test_login_misuse.py), so no --user here.
        env["CUNYI_USER"] = rng.choice(["nobody", "", "\udcff", LONG])
        env["CUNYI_PASSWORD"] = "whatever-pw-1"
        argv = [a for i, a in enumerate(argv) if not a.startswith("--user")
                and not (i > 0 and argv[i - 1] == "--user")]  # fmt: skip
    elif roll < 0.06:
        env["CUNYI_NEW_PASSWORD"] = rng.choice(["", "short", "password", w.user, LONG, "\udcff" * 9,
                                                "\u202e"])  # fmt: skip
    stdin = rng.choice(w.json_texts)
    return argv, env, stdin


def run(w: World, calls: int, seed: int) -> tuple[list[Outcome], Counter[int]]:
    from app.cli.main import build_parser

    rng = random.Random(seed)
    all_leaves = [leaf for leaf in leaves(build_parser()) if leaf.path not in SKIP]
    outcomes: list[Outcome] = []
    codes: Counter[int] = Counter()
    for i in range(calls):
        leaf = all_leaves[i % len(all_leaves)] if i < len(all_leaves) else rng.choice(all_leaves)
        argv, env, stdin = make_call(rng, w, leaf)
        # Keep a login possible: the fuzzer itself follows a password it changed.
        done = invoke(argv, env, stdin)
        if done.code == 0 and leaf.path in (("user", "passwd"),) and env["CUNYI_USER"] == w.user:
            w.password = env["CUNYI_NEW_PASSWORD"]
        outcomes.append(done)
        codes[done.code] += 1
    return outcomes, codes
