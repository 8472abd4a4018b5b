"""What every command shares: global options, logging in, reading JSON input, printing output."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import errno
import getpass
import json
import os
import sys
import unicodedata
from pathlib import Path
from typing import Any

from app.errors import AuthError, DataError, InvalidInput, UsageError
from app.paths import default_data_dir
from app.services.results import Result
from forms.model import FieldError


def add_global_options(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    # SUPPRESS: an option given before the sub-command must not be reset by the sub-parser.
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument("--data-dir", type=Path, default=default, help="数据目录（或环境变量 CUNYI_DATA_DIR）")
    parser.add_argument("--user", default=default, help="登录用户名（或环境变量 CUNYI_USER）")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 输出")


def leaf(sub: Any, name: str, help_text: str, *, json_flag: bool = True) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    add_global_options(p)
    if json_flag:
        add_json_flag(p)
    return p


SQLITE_MAX_PATH = 512  # bytes: SQLite cannot open a database file by a longer name


def data_dir(args: argparse.Namespace) -> Path:
    directory = Path(getattr(args, "data_dir", None) or default_data_dir())
    with contextlib.suppress(OSError, ValueError):
        if len(os.fsencode(directory.absolute() / "cunyi.db-journal")) > SQLITE_MAX_PATH:
            raise DataError(f"数据目录 {directory} 的路径太长（不能超过约{SQLITE_MAX_PATH - 20}个字节）")
    return directory


def user_name(args: argparse.Namespace) -> str:
    name = getattr(args, "user", None) or os.environ.get("CUNYI_USER")
    if not name:
        raise UsageError("需要登录用户名：请用 --user 或环境变量 CUNYI_USER")
    return name


def password(prompt: str = "密码：", env: str = "CUNYI_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise AuthError(f"需要密码：请在终端输入，或设置环境变量 {env}")
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("再次输入：") != value:
        raise UsageError("两次输入的密码不一致")
    return value


def login(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.store import Store

    store = Store.open(data_dir(args), user_name(args), password())
    for problem in store.anchor_problems:  # the command still runs: the data is needed
        print(f"警告：{problem}；请运行 cunyi check 并报告管理员", file=sys.stderr)
    if store.full_disk or store.held_audit:
        print(f"警告：{store.data_dir} 所在的磁盘已满：可以查找、查看和打印到别处，不能保存；"
              "本次登录和查看的审计记录暂存在内存中，腾出空间后写入", file=sys.stderr)  # fmt: skip
    atexit.register(_unwritten, store)
    from app.services import rotation

    if store.rotation:  # a key change left owed by an interrupted process, done by this login
        text = store.rotation.get("error") or rotation.describe(store.rotation)
        print(f"注意：{text}", file=sys.stderr)
    return store


def _unwritten(store) -> None:  # type: ignore[no-untyped-def]
    """At exit: audit entries a full disk kept from being written are named, not dropped in
    silence (what was done and when; no personal data)."""
    if store.held_audit:
        from app.labels import ACTIONS

        done = "、".join(f"{e['at'][:19]} {ACTIONS.get(e['action'], e['action'])}" for e in store.held_audit)
        print(f"警告：磁盘已满，以下{len(store.held_audit)}条审计记录未能写入审计日志：{done}",
              file=sys.stderr)  # fmt: skip


def with_store(args: argparse.Namespace, fn):  # type: ignore[no-untyped-def]
    """fn(store) for the logged-in user; the store is closed whatever happens."""
    store = login(args)
    try:
        return fn(store)
    finally:
        store.close()


ENV_TEXT = ("CUNYI_DATA_DIR", "CUNYI_USER", "CUNYI_PASSWORD", "CUNYI_NEW_PASSWORD")


def _unreadable(text: str) -> str | None:
    """Why `text` cannot be a name, path or password: a NUL, or bytes that were not UTF-8 (a
    terminal in GBK hands Python such bytes as lone surrogates, which nothing can store)."""
    if "\0" in text:
        return "含有空字符（\\0）"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无法识别的字符（不是 UTF-8 编码，请检查终端的字符编码）"
    return None


def check_environment() -> None:
    """Refuses, naming the variable, an environment value no command can use (see _unreadable)."""
    for key in ENV_TEXT:
        why = _unreadable(os.environ.get(key, ""))
        if why is not None:
            raise UsageError(f"环境变量 {key} {why}")


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuses, naming the argument, a parsed value no command can use (see _unreadable)."""
    while True:  # down to the command that runs
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, subs[0].dest, None) if subs else None
        if chosen is None:
            break
        parser = subs[0].choices[chosen]
    for action in parser._actions:
        value = getattr(args, action.dest, None)
        for item in value if isinstance(value, list) else [value]:
            why = _unreadable(str(item)) if isinstance(item, str | Path) else None
            if why is not None:
                name = "/".join(action.option_strings) or action.metavar or action.dest.upper()
                raise UsageError(f"参数 {name} {why}")


_ERRNO_TEXT = {
    errno.ENOENT: "不存在", errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "是文件夹，不是文件",
    errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限", errno.ENAMETOOLONG: "文件名太长",
    errno.EEXIST: "已存在同名文件", errno.EROFS: "所在磁盘只读", errno.EIO: "读写出错",
    errno.ELOOP: "符号链接循环", errno.EINVAL: "不能这样读写", errno.ENXIO: "设备不存在",
}  # fmt: skip


def file_problem(exc: BaseException) -> str | None:
    """The message for an OSError about a named file or folder, naming it; None otherwise."""
    if not isinstance(exc, OSError) or exc.filename is None:
        return None
    why = _ERRNO_TEXT.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    return f"无法使用 {os.fsdecode(exc.filename)}：{why}"


def check_output(path: Path, option: str = "-o/--output", *, make_parents: bool = False) -> None:
    """Refuses, naming the option, an output that cannot be a new file: a folder, a missing folder
    (unless the command makes it), or a device or pipe (writing a file in its place would
    replace, say, /dev/null for every program when run as root)."""
    if not path.name or path.is_dir():
        raise UsageError(f"{option}：{path} 是文件夹，请给出文件名")
    if path.exists() and not path.is_file():
        raise UsageError(f"{option}：{path} 不是普通文件")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"{option}：{parent} 不是文件夹")
    if not parent.exists() and not make_parents:
        raise UsageError(f"{option}：文件夹 {parent} 不存在")


def read_json(source: str, option: str = "--json") -> Any:
    """The JSON document in file `source` ("-": standard input); anything unreadable is refused
    naming `option` or the place in the document."""
    label = "标准输入" if source == "-" else source
    try:
        raw: str | bytes = sys.stdin.read() if source == "-" else Path(source).read_bytes()
    except OSError as e:
        why = _ERRNO_TEXT.get(e.errno or 0) or e.strerror
        raise UsageError(f"{option}：无法读取 {source}：{why}") from None
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        assert isinstance(raw, bytes)  # only bytes are decoded
        line = raw[: e.start].count(b"\n") + 1
        raise InvalidInput(FieldError("$", "JSON", f"{label} 第{line}行不是 UTF-8 编码")) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(FieldError("$", "JSON", f"格式错误（第{e.lineno}行第{e.colno}列）：{e.msg}")) from None
    except RecursionError:  # [[[[… thousands deep: no form is shaped like that
        raise InvalidInput(FieldError("$", "JSON", f"{label} 嵌套层数太多")) from None
    if not isinstance(doc, dict):  # every command reads one record's fields
        raise InvalidInput(FieldError("$", "JSON", f"须为一个对象 {{…}}，不是{type(doc).__name__}"))
    _check_strings(doc)
    return doc


def _check_strings(doc: Any) -> None:
    """JSON may spell a NUL or half a surrogate pair (\\u0000, \\ud800): neither is text a
    record can hold (SQLite cannot even store the second), so the place is named."""
    stack: list[tuple[str, Any]] = [("$", doc)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                inner = key if where == "$" else f"{where}.{key}"
                why = _unreadable(key) if key else "为空"
                if why is None and any(unicodedata.category(c) in ("Cc", "Cf") for c in key):
                    # A right-to-left override in a key would reverse the message naming it.
                    why = f"{ascii(key)} 含有不可见的控制字符"
                if why is not None:
                    raise InvalidInput(FieldError(where, "JSON", f"字段名{why}"))
                stack.append((inner, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
        elif isinstance(value, str):
            why = _unreadable(value)
            if why is not None:
                raise InvalidInput(FieldError(where, "JSON", why))


def emit(args: argparse.Namespace, data: Any, text: str | None = None, *, force_json: bool = False) -> None:
    if isinstance(data, Result):
        data = data.as_dict()
    if force_json or getattr(args, "as_json", False) or text is None:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(text)
