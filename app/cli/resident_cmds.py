"""Residents and their records: resident add/find/show/update/history/status/merge/unmerge, record."""

from __future__ import annotations

import argparse

from app.cli.common import emit, leaf, read_json, with_store


def register(sub) -> None:  # type: ignore[no-untyped-def]
    res = sub.add_parser("resident", help="居民档案")
    rs = res.add_subparsers(dest="resident_command", metavar="ACTION")
    rs.required = True

    p = leaf(rs, "add", "登记居民（输出 {uuid, record_no}）；新生儿可写 mother（母亲的档案编号或 uuid），"
                        "默认加入母亲的家庭，未取名时登记为“母亲姓名+之男/之女”", json_flag=False)
    p.add_argument("--json", dest="input", required=True, metavar="FILE|-")
    p.add_argument("--allow-similar", action="store_true", help="确认不是已有居民时仍然登记")
    p.set_defaults(func=cmd_add)

    p = leaf(rs, "find", "查找居民：姓名、拼音、首字母、身份证号、档案编号、电话")
    p.add_argument("query")
    p.add_argument("--limit", type=int)
    p.add_argument("--village")
    p.add_argument("--status", choices=["active", "moved", "deceased", "lost", "merged"])
    p.add_argument("--tag", choices=["htn", "dm", "smi", "tb", "65+", "maternal", "0-6"], help="0-6：0-6岁儿童")
    p.set_defaults(func=cmd_find)

    p = leaf(rs, "show", "查看居民档案")
    p.add_argument("ref")
    p.set_defaults(func=cmd_show)

    p = leaf(rs, "update", "修改居民档案（只写要改的字段）", json_flag=False)
    p.add_argument("ref")
    p.add_argument("--json", dest="input", required=True, metavar="FILE|-")
    p.set_defaults(func=cmd_update)

    p = leaf(rs, "history", "居民档案的全部版本")
    p.add_argument("ref")
    p.set_defaults(func=cmd_history)

    p = leaf(rs, "status", "变更状态：在册、迁出、死亡、失访")
    p.add_argument("ref")
    p.add_argument("--set", dest="status", required=True, choices=["active", "moved", "deceased", "lost"])
    p.add_argument("--date")
    p.add_argument("--reason")
    p.set_defaults(func=cmd_status)

    p = leaf(rs, "merge", "合并重复档案：保留 SURVIVOR")
    p.add_argument("survivor")
    p.add_argument("duplicate")
    p.set_defaults(func=cmd_merge)

    p = leaf(rs, "unmerge", "撤销合并")
    p.add_argument("ref")
    p.set_defaults(func=cmd_unmerge)

    rec = sub.add_parser("record", help="表单记录（体检、随访等）")
    cs = rec.add_subparsers(dest="record_command", metavar="ACTION")
    cs.required = True
    p = leaf(cs, "add", "为居民添加一份表单记录（输出 {uuid}）", json_flag=False)
    p.add_argument("ref")
    p.add_argument("--form", required=True)
    p.add_argument("--json", dest="input", required=True, metavar="FILE|-")
    p.add_argument("--draft", action="store_true", help="保存为草稿（可暂缺必填的核心项目）")
    p.add_argument("--confirm", action="store_true", help="确认保存需要确认的记录（如控制满意但血压偏高）")
    p.set_defaults(func=cmd_record_add)
    p = leaf(cs, "update", "修改记录（只写要改的字段）", json_flag=False)
    p.add_argument("uuid")
    p.add_argument("--json", dest="input", required=True, metavar="FILE|-")
    p.add_argument("--final", action="store_true", help="把草稿定稿")
    p.add_argument("--confirm", action="store_true", help="确认保存需要确认的记录")
    p.set_defaults(func=cmd_record_update)
    p = leaf(cs, "show", "查看记录")
    p.add_argument("uuid")
    p.set_defaults(func=cmd_record_show)
    p = leaf(cs, "history", "记录的每一个保存过的版本（谁、何时、改了什么）")
    p.add_argument("uuid")
    p.add_argument("--rev", type=int, help="只显示第几版的完整内容")
    p.set_defaults(func=cmd_record_history)
    p = leaf(cs, "list", "居民的全部记录")
    p.add_argument("ref")
    p.add_argument("--form")
    p.set_defaults(func=cmd_record_list)


def cmd_add(args: argparse.Namespace) -> int:
    from app.services import residents

    data = read_json(args.input)
    out = with_store(args, lambda st: residents.add(st, data, allow_similar=args.allow_similar))
    emit(args, out, force_json=True)
    return 0


BULK_READ = 50  # one page of the desktop client's list


FIND_LIMIT_MAX = 1_000_000  # SQLite's LIMIT is a 64-bit integer; no village is this large


def cmd_find(args: argparse.Namespace) -> int:
    from app.errors import InvalidInput
    from app.services import audit, residents

    if args.limit is not None and not 1 <= args.limit <= FIND_LIMIT_MAX:
        raise InvalidInput.field("limit", "最多显示条数", f"须为1–{FIND_LIMIT_MAX}")

    def run(st):  # type: ignore[no-untyped-def]
        found = residents.find(st, args.query, limit=args.limit, village=args.village,
                               status=args.status, tag=args.tag)  # fmt: skip
        if len(found) > BULK_READ:
            # More than a screenful of people leaves in one go: audited like an export (the
            # count only: the query may be a name).
            audit.log(st, "view", "resident", None, {"bulk": len(found)})
        return found

    rows = with_store(args, run)
    # The JSON keys of `find` are a stable interface (issue 2): the list's extra keys stay out.
    rows = [{k: r[k] for k in residents.SUMMARY_KEYS} for r in rows]
    emit(args, rows, "\n".join(f"{r['record_no']}  {r['name']}  {r['birth_date']}  {r['status']}"
                               for r in rows) or "没有找到")  # fmt: skip
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from app.services import residents

    r = with_store(args, lambda st: residents.get(st, args.ref))
    emit(args, r, f"{r['name']}  {r['record_no']}  {r['birth_date']}  {r['status']}")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    from app.services import residents

    patch = read_json(args.input)
    emit(args, with_store(args, lambda st: residents.update(st, args.ref, patch)), force_json=True)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from app.services import residents

    rows = with_store(args, lambda st: residents.history(st, args.ref))
    emit(args, rows, "\n".join(f"{v['rev']}  {v['at']}  {v['user']}  {v['action']}  "
                               f"{'、'.join(v['changes'])}" for v in rows))  # fmt: skip
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from app.services import lifecycle

    out = with_store(args, lambda st: lifecycle.set_status(st, args.ref, args.status, args.date, args.reason))
    emit(args, out, f"状态已变更为 {out.status}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from app.services import lifecycle

    out = with_store(args, lambda st: lifecycle.merge(st, args.survivor, args.duplicate))
    emit(args, out, f"已合并，移动了{out.records_moved}份记录")
    return 0


def cmd_unmerge(args: argparse.Namespace) -> int:
    from app.services import lifecycle

    out = with_store(args, lambda st: lifecycle.unmerge(st, args.ref))
    emit(args, out, f"已撤销合并，归还了{out.records_returned}份记录")
    return 0


def _ask_confirm(fn):  # type: ignore[no-untyped-def]
    """fn(), with a refusal for want of confirmation told how to confirm (exit code 3)."""
    from app.services.record_warnings import NeedsConfirmation

    try:
        return fn()
    except NeedsConfirmation as e:
        e.hint = "。核对无误后，请加 --confirm 重新运行"
        raise


def cmd_record_add(args: argparse.Namespace) -> int:
    from app.services import records

    doc = read_json(args.input)
    status = "draft" if args.draft else "final"
    out = _ask_confirm(lambda: with_store(args, lambda st: records.add(
        st, args.ref, args.form, doc, status=status, confirmed=args.confirm)))  # fmt: skip
    emit(args, out, force_json=True)
    return 0


def cmd_record_update(args: argparse.Namespace) -> int:
    from app.services import records

    patch = read_json(args.input)
    status = "final" if args.final else None
    out = _ask_confirm(lambda: with_store(args, lambda st: records.update(
        st, args.uuid, patch, status=status, confirmed=args.confirm)))  # fmt: skip
    emit(args, out, force_json=True)
    return 0


def cmd_record_show(args: argparse.Namespace) -> int:
    from app.services import records

    r = with_store(args, lambda st: records.get(st, args.uuid))
    emit(args, r, f"{r['form']}  {r['visit_date']}  {r['uuid']}")
    return 0


def cmd_record_history(args: argparse.Namespace) -> int:
    from app.errors import NotFound
    from app.services import records

    rows = with_store(args, lambda st: records.history(st, args.uuid))
    if args.rev is not None:
        chosen = [v for v in rows if v["rev"] == args.rev]
        if not chosen:
            raise NotFound(f"该记录没有第{args.rev}版（共{rows[-1]['rev'] if rows else 0}版）")
        emit(args, chosen[-1], force_json=True)
        return 0
    emit(args, rows, "\n".join(f"第{v['rev']}版  {v['at']}  {v['user']}  {v['action']}  "
                               f"{'、'.join(v['changes'])}" for v in rows))  # fmt: skip
    return 0


def cmd_record_list(args: argparse.Namespace) -> int:
    from app.services import records

    rows = with_store(args, lambda st: records.list_for(st, args.ref, args.form))
    emit(args, rows, "\n".join(f"{r['visit_date']}  {r['form']}  {r['uuid']}" for r in rows))
    return 0
