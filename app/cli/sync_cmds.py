"""`cunyi enroll`, `cunyi sync [status]`, `cunyi conflicts list|resolve`: this installation and
the county server."""

from __future__ import annotations

import argparse

from app.cli.common import emit, leaf, login


def register(sub) -> None:  # type: ignore[no-untyped-def]
    p = leaf(sub, "enroll", "用县卫健局发放的一次性注册码把本机注册到县级服务器")
    p.add_argument("--server", required=True, help="服务器地址，如 https://county.example:8443")
    p.add_argument("--code", required=True, help="一次性注册码")
    p.add_argument("--ca-cert", help="县级 CA 证书文件（自签名证书时使用）")
    p.set_defaults(func=cmd_enroll)

    p = leaf(sub, "sync", "与县级服务器同步（先上传后下载）")
    p.add_argument("--retry-quarantined", action="store_true", help="把隔离的变更重新排队再试")
    p.set_defaults(func=cmd_sync)
    ss = p.add_subparsers(dest="sync_command", metavar="ACTION")
    q = leaf(ss, "status", "同步状态：队列、最后成功时间、游标")
    q.set_defaults(func=cmd_status)
    q = leaf(ss, "quarantine", "列出被隔离的变更及原因")
    q.set_defaults(func=cmd_quarantine)

    c = sub.add_parser("conflicts", help="同步冲突")
    cs = c.add_subparsers(dest="conflicts_command", metavar="ACTION")
    cs.required = True
    q = leaf(cs, "list", "列出待解决的冲突")
    q.add_argument("--all", action="store_true", help="包括已解决的")
    q.set_defaults(func=cmd_conflicts_list)
    q = leaf(cs, "resolve", "解决冲突：采用列表中的第一个值（本机的，如有）、另一个值或给定的值")
    q.add_argument("id")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--take", choices=["mine", "theirs"],
                   help="mine：列表中的第一个值（一方是本机时就是本机的）；theirs：另一个值")
    g.add_argument("--value", help="新值（JSON 或文本）")
    q.set_defaults(func=cmd_conflicts_resolve)


def cmd_enroll(args: argparse.Namespace) -> int:
    from sync.client import enroll

    store = login(args)
    try:
        out = enroll(store, args.server, args.code, args.ca_cert)
    finally:
        store.close()
    inst = out["institution"]
    emit(args, out, f"已注册：{inst['name']}（{inst['area']}），设备编号 {out['device_id']}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.client import SyncClient

    store = login(args)
    try:
        client = SyncClient(store)
        if args.retry_quarantined:
            client.requeue()
        out = client.run()
    finally:
        store.close()
    emit(args, out, f"已上传 {out['pushed']} 条，下载 {out['pulled']} 条；待解决冲突 {out['conflicts']}，"
                    f"隔离 {out['quarantined']}")  # fmt: skip
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from sync.client import status

    store = login(args)
    try:
        out = status(store)
    finally:
        store.close()
    text = (f"待上传 {out['queue']} 条，隔离 {out['quarantined']} 条，待解决冲突 {out['conflicts']}；"
            f"最后成功同步：{out['last_success'] or '从未'}")  # fmt: skip
    emit(args, out, text)
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from app.db.models import Outbox

    store = login(args)
    try:
        with store.session() as s:
            rows = s.scalars(
                select(Outbox).where(Outbox.state == "quarantined").order_by(Outbox.device_seq)
            )
            out = [{"mutation_id": r.mutation_id, "entity": r.entity, "entity_uuid": r.entity_uuid,
                    "code": r.error_code, "reason": r.last_error, "attempts": r.attempts} for r in rows]  # fmt: skip
    finally:
        store.close()
    emit(
        args,
        out,
        "\n".join(f"{r['entity']} {r['entity_uuid']}：{r['reason']}" for r in out)
        or "没有被隔离的变更",
    )
    return 0


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from sync.resolve import listing

    store = login(args)
    try:
        out = listing(store, include_resolved=args.all)
    finally:
        store.close()
    lines = [f"{c['id']}  {c['name'] or ''} {c['field']}：原值 {c['original']!r}，"
             f"{c['mine_label']} {c['mine']!r}（mine），{c['theirs_label']} {c['theirs']!r}（theirs）"
             for c in out]  # fmt: skip
    emit(args, out, "\n".join(lines) or "没有待解决的冲突")
    return 0


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from sync.resolve import resolve

    store = login(args)
    try:
        out = resolve(store, args.id, take=args.take, value_text=args.value)
    finally:
        store.close()
    emit(args, out, f"已解决：{out['field']} = {out['value']!r}（下次同步时上传）")
    return 0
