"""Setting up an installation and managing its staff: init, status, user, recover."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import data_dir, emit, leaf, login, password, user_name
from app.errors import DataError


def register(sub) -> None:  # type: ignore[no-untyped-def]
    p = leaf(sub, "init", "初始化本机构的数据（首次使用）")
    p.add_argument("--area", required=True, help="12位区划代码：县6位+乡镇3位+村3位（卫生院村段为000）")
    p.add_argument("--institution-name", required=True, help="机构名称")
    p.add_argument("--display-name", help="管理员姓名")
    p.set_defaults(func=cmd_init)

    p = leaf(sub, "status", "本机是否已有村医数据（无需登录）")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_status)

    user = sub.add_parser("user", help="用户管理")
    us = user.add_subparsers(dest="user_command", metavar="ACTION")
    us.required = True
    p = leaf(us, "add", "添加用户（新用户密码取自 CUNYI_NEW_PASSWORD 或提示输入）")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=["admin", "doctor", "nurse"])
    p.add_argument("--display-name")
    p.set_defaults(func=cmd_user_add)
    p = leaf(us, "passwd", "修改当前用户的密码（新密码取自 CUNYI_NEW_PASSWORD 或提示输入）")
    p.set_defaults(func=cmd_user_passwd)
    p = leaf(us, "disable", "停用用户")
    p.add_argument("name")
    p.set_defaults(func=cmd_user_disable)
    p = leaf(us, "reset-password", "管理员为用户重设密码（新密码取自 CUNYI_NEW_PASSWORD 或提示输入）")
    p.add_argument("name")
    p.add_argument("--compromised", action="store_true",
                   help="原密码可能已泄露：同时更换数据密钥（数据多时需要几分钟）")
    p.set_defaults(func=cmd_user_reset_password)
    p = leaf(us, "recovery-code", "生成新的恢复代码（原恢复代码作废，只显示这一次）")
    p.set_defaults(func=cmd_user_recovery_code)
    p = leaf(us, "list", "列出用户")
    p.set_defaults(func=cmd_user_list)

    p = leaf(sub, "recover", "用恢复代码为用户设置新密码")
    p.add_argument("--code", required=True)
    p.set_defaults(func=cmd_recover)


def cmd_init(args: argparse.Namespace) -> int:
    from app.store import Store

    directory = data_dir(args)
    if Store.exists(directory):
        raise DataError(f"数据目录 {directory} 中已有村医数据，不能重复初始化")
    name = user_name(args)
    store, code = Store.create(
        directory, area=args.area, institution_name=args.institution_name, user=name,
        password=password("设置管理员密码：", confirm=True), display_name=args.display_name,
    )  # fmt: skip
    store.close()
    emit(args, {"area": args.area, "user": name, "data_dir": str(directory), "recovery_code": code},
         f"已初始化：{args.institution_name}（{args.area}），管理员 {name}\n"
         f"恢复代码（只显示这一次，请打印后交乡镇卫生院保管）：\n{code}\n"
         "丢失全部密码和恢复代码将无法打开数据。")  # fmt: skip
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from app.store import Store

    directory = data_dir(args)
    exists = Store.exists(directory)
    if not args.quiet:
        emit(args, {"data_dir": str(directory), "initialised": exists},
             f"{directory}：{'已有数据' if exists else '尚未初始化'}")  # fmt: skip
    return 0 if exists else 1


def cmd_user_add(args: argparse.Namespace) -> int:
    from app.services import users

    store = login(args)
    try:
        new = password(f"为 {args.name} 设置密码：", env="CUNYI_NEW_PASSWORD", confirm=True)
        users.add(store, args.name, args.role, new, args.display_name)
    finally:
        store.close()
    emit(args, {"name": args.name, "role": args.role}, f"已添加用户 {args.name}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    from app.services import users

    store = login(args)
    try:
        old = password()  # the login password is the old one
        new = password("新密码：", env="CUNYI_NEW_PASSWORD", confirm=True)
        users.change_password(store, old, new)
    finally:
        store.close()
    emit(args, {"name": store.user.name}, "密码已修改")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    from app.services import rotation, users

    store = login(args)
    try:
        out = users.disable(store, args.name, started=lambda: print(rotation.BUSY, file=sys.stderr, flush=True))
    finally:
        store.close()
    emit(args, {"name": args.name, "state": "disabled", **out},
         f"已停用用户 {args.name}\n" + rotation.describe(out))  # fmt: skip
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    from app.services import rotation, users

    store = login(args)
    try:
        new = password(f"为 {args.name} 设置新密码：", env="CUNYI_NEW_PASSWORD", confirm=True)
        out = users.reset_password(store, args.name, new, compromised=args.compromised,
                                   started=lambda: print(rotation.BUSY, file=sys.stderr, flush=True))
    finally:
        store.close()
    text = f"已为 {args.name} 重设密码" + ("\n" + rotation.describe(out) if out else "")
    emit(args, {"name": args.name, **(out or {})}, text)
    return 0


def cmd_user_recovery_code(args: argparse.Namespace) -> int:
    from app.services import users

    store = login(args)
    try:
        code = users.new_recovery(store)
    finally:
        store.close()
    emit(args, {"recovery_code": code},
         f"原恢复代码已作废。新的恢复代码（只显示这一次，请打印后交乡镇卫生院保管）：\n{code}")  # fmt: skip
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from app.services import users

    store = login(args)
    try:
        rows = users.list_users(store)
    finally:
        store.close()
    emit(args, rows, "\n".join(f"{u['name']}\t{u['role']}\t{u['state']}" for u in rows))
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from app.services import users

    name = user_name(args)
    new = password(f"为 {name} 设置新密码：", env="CUNYI_NEW_PASSWORD", confirm=True)
    store = users.recover(data_dir(args), args.code, name, new)
    store.close()
    print("已用恢复代码设置新密码", file=sys.stderr)
    emit(args, {"name": name}, f"用户 {name} 的新密码已生效")
    return 0
