"""`cunyi activity`: the clinic's health education log (健康教育活动记录表, issue 16): add, correct,
void, show, history, list and print by year. Not a resident's record: no REF."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.common import check_output, emit, leaf, login, read_json, with_store
from app.errors import UsageError


def register(sub) -> None:  # type: ignore[no-untyped-def]
    act = sub.add_parser("activity", help="健康教育活动记录（本机构的活动，不属于某位居民）")
    acts = act.add_subparsers(dest="activity_command", metavar="ACTION")
    acts.required = True

    p = leaf(acts, "add", "登记一次健康教育活动（输出 {uuid}）", json_flag=False)
    p.add_argument("--json", dest="input", required=True, metavar="FILE|-",
                   help="表单内容（字段见 cunyi forms show health_education）")  # fmt: skip
    p.set_defaults(func=cmd_add)
    p = leaf(acts, "update", "修改活动记录（只写要改的字段；原内容留在历史中）", json_flag=False)
    p.add_argument("uuid")
    p.add_argument("--json", dest="input", required=True, metavar="FILE|-")
    p.set_defaults(func=cmd_update)
    p = leaf(acts, "void", "作废误录的活动记录（记录保留，注明原因）")
    p.add_argument("uuid")
    p.add_argument("--reason", required=True, help="作废原因")
    p.set_defaults(func=cmd_void)
    p = leaf(acts, "show", "查看一条活动记录")
    p.add_argument("uuid")
    p.set_defaults(func=cmd_show)
    p = leaf(acts, "history", "活动记录的每一个保存过的版本")
    p.add_argument("uuid")
    p.set_defaults(func=cmd_history)
    p = leaf(acts, "list", "某年度本机构的活动记录（含作废的）")
    p.add_argument("--year", type=int, required=True, metavar="Y")
    p.add_argument("--all", dest="others", action="store_true", help="也列出同步来的辖区内其他机构的记录")
    p.set_defaults(func=cmd_list)
    p = leaf(acts, "print", "打印某年度的活动一览表及每次活动的记录表，或一条记录（--uuid）")
    p.add_argument("--year", type=int, metavar="Y")
    p.add_argument("--uuid", help="只打印这一条记录的记录表")
    p.add_argument("--list-only", action="store_true", help="只打印一览表，不附每次活动的记录表")
    p.add_argument("-o", "--output", required=True, type=Path, help="输出的 PDF 文件")
    p.set_defaults(func=cmd_print)


def _line(a: dict[str, Any]) -> str:
    from forms.pdf.activities import kind_label, status_text
    from forms.registry import get_form

    doc = a["doc"]
    kind = kind_label(get_form(a["form"], a["edition"]), doc)
    where = "" if a.get("own", True) else f"  （机构 {a.get('area')}）"
    return (f"{a['uuid'][:8]}  {a['visit_date']}  {kind}  {doc.get('topic', '')}  "
            f"{doc.get('place', '')}  {status_text(a)}{where}")  # fmt: skip


def cmd_add(args: argparse.Namespace) -> int:
    from app.services import activities

    doc = read_json(args.input)
    emit(args, with_store(args, lambda st: activities.add(st, doc)), force_json=True)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from app.services import activities

    patch = read_json(args.input)
    emit(args, with_store(args, lambda st: activities.update(st, args.uuid, patch)), force_json=True)
    return 0


def cmd_void(args: argparse.Namespace) -> int:
    from app.services import activities

    done = with_store(args, lambda st: activities.void(st, args.uuid, args.reason))
    emit(args, done, f"已作废 {done.uuid[:8]}（第{done.rev}版）")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from app.services import activities

    a = with_store(args, lambda st: activities.get(st, args.uuid))
    emit(args, a, _line(a))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from app.services import activities

    versions = with_store(args, lambda st: activities.history(st, args.uuid))
    emit(args, versions, "\n".join(f"第{v['rev']}版  {v['at']}  {v['user']}  {v['action']}  "
                                   f"{'、'.join(sorted(v.get('changes') or {}))}" for v in versions))  # fmt: skip
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.services import activities

    rows = with_store(args, lambda st: activities.list_year(st, args.year, others=args.others))
    emit(args, rows, "\n".join(_line(a) for a in rows) or f"{args.year}年度没有活动记录")
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from app.services import activities

    if (args.year is None) == (args.uuid is None):
        raise UsageError("请指定 --year（年度一览表）或 --uuid（一条记录）二者之一")
    check_output(args.output)  # before the work: the PDF is written beside it first (NAME.part)
    store = login(args)
    tmp = args.output.with_name(args.output.name + ".part")
    try:
        if args.uuid:
            pages = activities.print_one(store, args.uuid, tmp)
        else:
            pages = activities.print_year(store, args.year, tmp, sheets=not args.list_only)
        tmp.replace(args.output)  # a failed job leaves no half-written PDF
    finally:
        tmp.unlink(missing_ok=True)
        store.close()
    emit(args, {"output": str(args.output), "pages": pages}, f"已输出 {args.output}（{pages} 页）")
    return 0
