"""Administration: backup, restore, check, audit, export, import and the demo clinic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import roles
from app.cli.common import check_output, data_dir, emit, leaf, login, password, user_name
from app.errors import InvalidInput, UsageError


def register(sub) -> None:  # type: ignore[no-untyped-def]
    p = leaf(sub, "backup", "制作加密备份（用相同的用户和密码打开）")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    p.set_defaults(func=cmd_backup)

    p = leaf(sub, "restore", "从备份恢复（先校验备份，原有数据另存到 replaced-时间 文件夹）")
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_restore)

    p = leaf(sub, "check", "检查数据库完整性和审计日志")
    p.add_argument("--accept-anchors", action="store_true",
                   help="管理员核实后，确认审计日志与日志头、备份不一致的问题（如 -wal 文件丢失），重新记录日志头")
    p.set_defaults(func=cmd_check)

    p = leaf(sub, "audit", "查看审计日志")
    p.add_argument("--since", help="起始日期 YYYY-MM-DD（或完整时间）")
    p.set_defaults(func=cmd_audit)

    p = leaf(sub, "export", "导出全部居民和记录（未加密，请妥善保管）", json_flag=False)
    p.add_argument("--format", required=True, choices=["json", "csv", "xlsx"])
    p.add_argument("-o", "--output", required=True, type=Path, metavar="PATH")
    p.set_defaults(func=cmd_export)

    p = leaf(sub, "import", "从 CSV 或 XLSX 导入居民（表头用字段代码或个人基本信息表的中文名）")
    p.add_argument("file", type=Path)
    p.add_argument("--allow-similar", action="store_true", help="与已有居民相似（非同一人）时仍然导入")
    p.set_defaults(func=cmd_import)

    p = leaf(sub, "demo", "创建示例卫生室（仅在数据目录为空时），登录名 demo 密码 demo1234")
    p.add_argument("--residents", type=int, default=300, help="示例居民人数（默认300）")
    p.add_argument("--seed", type=int, default=20170101)
    p.set_defaults(func=cmd_demo)


def cmd_backup(args: argparse.Namespace) -> int:
    from app.services import backup

    check_output(args.output, make_parents=True)
    store = login(args)
    try:
        roles.require(store, "backup")
        out = backup.write_backup(store, args.output)
    finally:
        store.close()
    emit(args, out, f"已备份到 {out['path']}（{out['bytes'] // 1024} KB）")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app.services import backup

    name = user_name(args)
    secret = password("备份制作时的密码：")
    out = backup.restore(data_dir(args), args.file, name, secret)
    kept = f"\n原有数据已另存到 {out['previous']}" if out["previous"] else ""
    emit(args, out, f"已从 {out['restored_from']} 的备份恢复{kept}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.services import integrity

    try:
        store = login(args)
    except integrity.DB_ERRORS:  # so damaged that even logging in (which writes) fails
        problems = ["数据库文件已损坏，登录时无法读写；请用 cunyi restore 从备份恢复"]
    else:
        try:
            problems = integrity.check_store(store)
            if args.accept_anchors and problems:
                problems = _accept_anchors(store, problems)
        finally:
            store.close()
    text = "数据完整，审计日志连续无改动" if not problems else (
        "发现以下问题：\n" + "\n".join(f"  {i}. {p}" for i, p in enumerate(problems, 1))
    )  # fmt: skip
    if problems and not args.as_json:
        print(text, file=sys.stderr)
    else:
        emit(args, integrity.summary(problems), text)
    return 1 if problems else 0


def _accept_anchors(store, problems: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """An administrator has looked into what the anchors report (a lost -wal file, a restore by
    hand) and takes the chain as it stands: the head file is written anew, backups made before
    now stop counting, and the acceptance is audited. Other problems stay reported."""
    from app import roles
    from app.clock import now_iso
    from app.services import anchors, audit

    roles.require(store, "audit_log")
    found = store.check_anchors()
    if not found:
        return problems
    with store.session() as s:
        head = anchors.chain_head(s.connection())
    anchors.reset_head(store.data_dir, head, now_iso())
    audit.log(store, "check", detail={"accepted": len(found)})
    print(f"已确认{len(found)}个审计日志问题，日志头已按现在的日志重新记录", file=sys.stderr)
    from app.services import integrity

    return integrity.check_store(store)  # what is left, checked again


def cmd_audit(args: argparse.Namespace) -> int:
    from app.services import audit

    store = login(args)
    try:
        roles.require(store, "audit_log")
        rows = audit.entries(store, since=args.since)
    finally:
        store.close()
    emit(args, rows, "\n".join(f"{r['seq']}  {r['at']}  {r['user']}  {r['action']}"
                               f"{'  ' + r['entity'] if r['entity'] else ''}" for r in rows))  # fmt: skip
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from app.services import export

    check_output(args.output)
    store = login(args)
    try:
        out = export.export(store, args.output, args.format)
    finally:
        store.close()
    print(f"已导出 {out['residents']} 位居民、{out['records']} 份记录到 {args.output}"
          "（文件未加密，请妥善保管，用完删除）", file=sys.stderr)  # fmt: skip
    emit(args, out, force_json=True)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.services import importer

    if not args.file.name or args.file.is_dir():
        raise UsageError(f"FILE：{args.file} 是文件夹，请给出 .csv 或 .xlsx 文件")

    def progress(done: int, total: int) -> None:
        print(f"\r已处理 {done}/{total} 行", end="" if done < total else "\n", file=sys.stderr,
              flush=True)  # fmt: skip

    store = login(args)
    try:
        report = importer.import_file(store, args.file, allow_similar=args.allow_similar,
                                      progress=progress if sys.stderr.isatty() else None)  # fmt: skip
    finally:
        store.close()
    for problem in report["errors"]:
        print(f"第{problem['line']}行 {problem['label']}（{problem['field']}）：{problem['message']}",
              file=sys.stderr)  # fmt: skip
    lines = [f"导入 {report['imported']} 位，已存在 {report['present']} 位，有误 {report['failed']} 行"]
    lines += [f"第{p['line']}行：已存在（档案编号 {p['record_no']}）" for p in report["already_present"]]
    emit(args, report, "\n".join(lines))
    return 3 if report["failed"] else 0


DEMO_MAX = 10_000  # a practice clinic; 10**12 would run until the disk is full


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services import demo
    from app.store import Store

    directory = data_dir(args)
    if Store.exists(directory):
        print(f"数据目录 {directory} 中已有数据，未创建示例卫生室", file=sys.stderr)
        return 0
    if not 0 <= args.residents <= DEMO_MAX:
        raise InvalidInput.field("residents", "示例居民人数", f"须为0–{DEMO_MAX}")
    out = demo.create(directory, residents=args.residents, seed=args.seed)
    emit(args, out,
         f"已创建示例卫生室：{out['institution']}（{out['area']}），居民 {out['residents']} 位，"
         f"记录 {out['records']} 份\n登录名：{demo.USER}  密码：{demo.PASSWORD}\n"
         f"恢复代码：{out['recovery_code']}")  # fmt: skip
    return 0
