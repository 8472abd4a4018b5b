"""What every command shares: global options, logging in, reading JSON input, printing output."""

from __future__ import annotations

import argparse
import atexit
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.errors import AuthError, InvalidInput, UsageError
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


def data_dir(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "data_dir", None) or default_data_dir())


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


def read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except OSError as e:
        raise UsageError(f"无法读取 {source}：{e.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(FieldError("$", "JSON", f"格式错误（第{e.lineno}行第{e.colno}列）：{e.msg}")) from None


def emit(args: argparse.Namespace, data: Any, text: str | None = None, *, force_json: bool = False) -> None:
    if isinstance(data, Result):
        data = data.as_dict()
    if force_json or getattr(args, "as_json", False) or text is None:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print(text)
