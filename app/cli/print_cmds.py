"""`cunyi print`: forms, record cards, covers and booklets as PDF (every print is audited)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import check_output, emit, leaf, login
from app.errors import UsageError


def register(sub) -> None:  # type: ignore[no-untyped-def]
    pr = sub.add_parser("print", help="打印（输出 PDF）")
    ps = pr.add_subparsers(dest="print_command", metavar="WHAT")
    ps.required = True

    p = leaf(ps, "form", "打印某种表单：居民的全部该表单记录，或 --record 指定的一份")
    p.add_argument("code")
    p.add_argument("refs", nargs="+", metavar="REF")
    p.add_argument("--record")
    p.add_argument("--blank", action="store_true",
                   help="空白表：只印居民姓名和编号，各项选项和□留空，入户时手填后再录入")  # fmt: skip
    _common(p, mask_default=False)
    p.set_defaults(func=cmd_form)

    p = leaf(ps, "card", "打印居民健康档案信息卡（默认隐藏身份证号，只显示后4位）")
    p.add_argument("refs", nargs="*", metavar="REF")
    p.add_argument("--village", help="整村打印：3位村（居）委会代码")
    p.add_argument("--page", choices=["a4", "card"], default="a4", help="A4 整张带裁切线，或卡片打印机")
    _common(p, mask_default=True)
    p.set_defaults(func=cmd_card)

    p = leaf(ps, "cover", "打印档案封面")
    p.add_argument("refs", nargs="*", metavar="REF")
    p.add_argument("--village")
    _common(p, mask_default=False, mask=False)
    p.set_defaults(func=cmd_cover)

    p = leaf(ps, "booklet", "打印完整档案（封面、个人基本信息、体检、随访……）")
    p.add_argument("refs", nargs="*", metavar="REF")
    p.add_argument("--village")
    _common(p, mask_default=False)
    p.set_defaults(func=cmd_booklet)


def _common(p: argparse.ArgumentParser, *, mask_default: bool, mask: bool = True) -> None:
    p.add_argument("-o", "--output", required=True, type=Path, help="输出的 PDF 文件")
    if mask:
        p.add_argument("--mask-id", dest="mask_id", action="store_true", default=mask_default,
                       help="身份证号只显示后4位")  # fmt: skip
        p.add_argument("--full-id", dest="mask_id", action="store_false", help="显示完整身份证号")


def _targets(args: argparse.Namespace) -> None:
    if bool(args.refs) == bool(args.village):
        raise UsageError("请指定居民（REF…）或 --village 二者之一")


def _run(args: argparse.Namespace, fn) -> int:  # type: ignore[no-untyped-def]
    check_output(args.output)  # before the work: the PDF is written beside it first (NAME.part)
    store = login(args)
    tmp = args.output.with_name(args.output.name + ".part")
    try:
        pages = fn(store, tmp)
        tmp.replace(args.output)  # a cancelled or failed job leaves no half-written PDF
    finally:
        tmp.unlink(missing_ok=True)
        store.close()
    emit(args, {"output": str(args.output), "pages": pages}, f"已输出 {args.output}（{pages} 页）")
    return 0


def cmd_form(args: argparse.Namespace) -> int:
    from app.services import printing

    return _run(args, lambda st, out: printing.print_form(st, args.code, args.refs, out,
                                                         record=args.record, mask_id=args.mask_id,
                                                         blank=args.blank))  # fmt: skip


def cmd_card(args: argparse.Namespace) -> int:
    from app.services import printing

    _targets(args)
    return _run(args, lambda st, out: printing.print_cards(st, args.refs, out, village=args.village,
                                                          page=args.page, mask_id=args.mask_id))


def cmd_cover(args: argparse.Namespace) -> int:
    from app.services import printing

    _targets(args)
    return _run(args, lambda st, out: printing.print_covers(st, args.refs, out, village=args.village))


def cmd_booklet(args: argparse.Namespace) -> int:
    from app.services import printing

    _targets(args)

    def progress(done: int, total: int | None) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr)

    return _run(args, lambda st, out: printing.print_booklets(
        st, args.refs, out, village=args.village, mask_id=args.mask_id, progress=progress))
