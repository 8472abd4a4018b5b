"""Entry point of `cunyi`: builds the command tree from the modules of app.cli and maps expected
errors to exit codes (0 ok, 2 usage, 3 invalid input, 4 authentication, 5 not found, 1 other)."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import sys
import traceback
from typing import NoReturn

import app.cli as cli_pkg
from app.cli.common import add_global_options, check_arguments, check_environment, file_problem
from app.errors import CunyiError, DataError, UsageError, storage_full

# argparse's own refusals, in Chinese (its messages come in English: no catalogue ships).
_USAGE_TEXT = [
    (re.compile(r"the following arguments are required: (.+)", re.S), r"缺少参数：\1"),
    (re.compile(r"argument (\S+): invalid int value: (.+)", re.S), r"参数 \1：\2 不是整数"),
    (re.compile(r"argument (\S+): invalid float value: (.+)", re.S), r"参数 \1：\2 不是数字"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)", re.S),
     r"参数 \1：\2 不是可选值（可选：\3）"),
    (re.compile(r"argument (\S+): expected one argument", re.S), r"参数 \1 后面缺少值"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)", re.S), r"参数 \1 不能与 \2 同时使用"),
    (re.compile(r"one of the arguments (.+) is required", re.S), r"需要以下参数之一：\1"),
    (re.compile(r"unrecognized arguments: (.+)", re.S), r"无法识别的参数：\1"),
    (re.compile(r"argument (\S+): (.+)", re.S), r"参数 \1：\2"),
]  # fmt: skip


class Parser(argparse.ArgumentParser):
    """A usage error in one line naming the argument, in Chinese (argparse would print the
    usage first, in English); sub-parsers are of the same class, so every command gets it."""

    def error(self, message: str) -> NoReturn:
        for pattern, chinese in _USAGE_TEXT:
            if pattern.fullmatch(message):
                message = pattern.sub(chinese, message)
                break
        self.exit(2, f"错误：{one_line(message)}（用法：{self.prog} --help）\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cunyi", description="村医：居民健康档案管理（命令行）")
    add_global_options(parser, top_level=True)
    from app.version import __version__

    parser.add_argument("--version", action="version", version=f"cunyi {__version__}",
                        help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"app.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """A message echoes what was typed, which may hold a newline or a tab: shown escaped, so a
    refusal stays one line a script can read."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _within(filename: object, folder: os.PathLike[str]) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(os.fsdecode(filename)),  # type: ignore[arg-type]
                                   os.path.abspath(folder)]) == os.path.abspath(folder)  # fmt: skip
    except (TypeError, ValueError):
        return False


def _database_problem(exc: Exception) -> str | None:
    """A Chinese explanation for storage failures a user can act on, else None."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return "数据库正被另一个程序（如桌面客户端）占用，请稍后再试"
    if any(word in text for word in ("malformed", "not a database", "corrupt", "disk i/o")):
        return "数据库文件已损坏：请运行 cunyi check 查看问题，并用 cunyi restore 从备份恢复"
    return None


def main(argv: list[str] | None = None) -> int:
    from app.hardening import harden_process

    harden_process()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        try:
            check_environment()
            check_arguments(parser, args)
            return int(args.func(args) or 0)
        except CunyiError:
            raise
        except Exception as e:
            from app.cli.common import data_dir

            message = storage_full(e, data_dir(args)) or _database_problem(e)
            if message is not None:
                raise DataError(message) from None
            # A file or folder that cannot be used as asked: the message names it and says why.
            # One named on the command line is a usage error; one of the installation's own
            # files (a key file made read-only), like the damage above, is not.
            problem = file_problem(e)
            if problem is None:
                raise
            inside = _within(getattr(e, "filename", None), data_dir(args))
            raise (DataError if inside else UsageError)(problem) from None
    except CunyiError as e:
        print(f"错误：{one_line(e.cli_text())}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 1
    except Exception as e:  # an unexpected failure: no traceback (it may hold personal data)
        if os.environ.get("CUNYI_DEBUG"):
            traceback.print_exc()
        print(f"内部错误（{type(e).__name__}）；设置 CUNYI_DEBUG=1 可查看详情", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
