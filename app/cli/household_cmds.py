"""Households: household show/rename/set-head (a household is named by its uuid or by a member)."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import emit, leaf, with_store


def register(sub) -> None:  # type: ignore[no-untyped-def]
    hh = sub.add_parser("household", help="家庭（户）")
    hs = hh.add_subparsers(dest="household_command", metavar="ACTION")
    hs.required = True

    p = leaf(hs, "show", "查看家庭：户名、户主、成员（REF 为家庭标识或任一成员）")
    p.add_argument("ref")
    p.set_defaults(func=cmd_show)

    p = leaf(hs, "rename", "修改户名")
    p.add_argument("ref")
    p.add_argument("label")
    p.set_defaults(func=cmd_rename)

    p = leaf(hs, "set-head", "把居民 RESIDENT 设为其所在家庭的户主")
    p.add_argument("resident")
    p.set_defaults(func=cmd_set_head)


def _text(h: dict[str, Any]) -> str:
    members = "、".join(m["name"] for m in h["members"]) or "（无）"
    return f"{h['label']}  村 {h['village']}  户主 {h.get('head_name') or '（未设）'}  成员 {members}"


def cmd_show(args: argparse.Namespace) -> int:
    from app.services import households

    h = with_store(args, lambda st: households.get(st, args.ref))
    emit(args, h, _text(h))
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    from app.services import households

    h = with_store(args, lambda st: households.update(st, args.ref, label=args.label))
    emit(args, h, _text(h))
    return 0


def cmd_set_head(args: argparse.Namespace) -> int:
    from app.services import households

    h = with_store(args, lambda st: households.update(st, args.resident, head=args.resident))
    emit(args, h, _text(h))
    return 0
