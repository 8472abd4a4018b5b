"""`cunyi due`, `cunyi stats`, `cunyi population`: whom to see next, the appraisal indicators and
the population figures behind them (issue 14)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import emit, leaf, with_store

if TYPE_CHECKING:
    from app.services.village_figures import VillageFigure


def register(sub) -> None:  # type: ignore[no-untyped-def]
    p = leaf(sub, "due", "到期随访与体检名单（按规则表计算，默认列出今天及以前到期的）")
    p.add_argument("--from", dest="start", metavar="D", help="到期日起（YYYY-MM-DD；默认不限，含逾期）")
    p.add_argument("--to", dest="until", metavar="D", help="到期日止（YYYY-MM-DD；默认今天）")
    p.add_argument("--village", metavar="V", help="3位村（居）委会代码")
    p.add_argument("--programme", metavar="P",
                   help="项目（规则表中的项目）：htn、dm、exam、elderly、maternal（孕产妇）、child（0-6岁儿童）等")
    p.set_defaults(func=cmd_due)

    p = leaf(sub, "stats", "考核指标：建档率、使用率、规范管理率、控制率等")
    p.add_argument("--year", type=int, required=True, metavar="Y")
    p.add_argument("--village", metavar="V")
    p.add_argument("--detail", action="store_true", help="同时列出分子、分母对应的居民")
    p.set_defaults(func=cmd_stats)

    rl = sub.add_parser("rules", help="随访规则与指标规则表")
    rs = rl.add_subparsers(dest="rules_command", metavar="ACTION")
    rs.required = True
    p = leaf(rs, "check", "检查规则表：不指定文件时检查本机正在使用的规则表")
    p.add_argument("file", nargs="?", type=Path, help="规则表 JSON 文件（如省级规则表，放入数据目录前先检查）")
    p.set_defaults(func=cmd_rules_check)

    pop = sub.add_parser("population", help="常住人口数（指标的分母）")
    ps = pop.add_subparsers(dest="population_command", metavar="ACTION")
    ps.required = True
    p = leaf(ps, "set", "录入或更正某村某年的常住人口数（管理员）")
    p.add_argument("--village", required=True, metavar="V")
    p.add_argument("--year", type=int, required=True, metavar="Y")
    p.add_argument("count", type=int, metavar="N")
    p.set_defaults(func=cmd_population_set)
    p = leaf(ps, "list", "已录入的常住人口数")
    p.set_defaults(func=cmd_population_list)

    bi = sub.add_parser("births", help="年度活产数（新生儿访视率、孕产妇指标的分母）")
    bs = bi.add_subparsers(dest="births_command", metavar="ACTION")
    bs.required = True
    p = leaf(bs, "set", "录入或更正某村某年的活产数（管理员）")
    p.add_argument("--village", required=True, metavar="V")
    p.add_argument("--year", type=int, required=True, metavar="Y")
    p.add_argument("count", type=int, metavar="N")
    p.set_defaults(func=cmd_births_set)
    p = leaf(bs, "list", "已录入的活产数")
    p.set_defaults(func=cmd_births_list)


def cmd_due(args: argparse.Namespace) -> int:
    from app.services import due

    items = with_store(args, lambda st: due.list_due(st, start=args.start, until=args.until,
                                                     village=args.village, programme=args.programme))  # fmt: skip
    out = [due.public(i) for i in items]
    lines = [f"{i['resident']['village']}  {i['resident']['record_no']}  {i['resident']['name']}  "
             f"{i['item']}  {i['due_date']}" + (f"  逾期{i['overdue_days']}天" if i["overdue_days"] else "")
             + f"  {i['reason']}" for i in out]  # fmt: skip
    emit(args, out, "\n".join(lines + [f"共 {len(out)} 项"]))
    return 0


def _stats_text(items: list[dict[str, Any]]) -> str:
    lines = []
    for i in items:
        rate = "—" if i["rate"] is None else f"{i['rate']}%"
        den = "—" if i["denominator"] is None else i["denominator"]
        lines.append(f"{i['name']}（{i['code']}）  {i['numerator']}/{den}  {rate}  {i['note']}")
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    from app.services import indicators

    items = with_store(args, lambda st: indicators.stats(st, args.year, args.village, detail=args.detail))
    emit(args, items, _stats_text(items))
    return 0


def cmd_rules_check(args: argparse.Namespace) -> int:
    """A bad table is refused naming the table, the rule and the field (RulesError, exit 1)."""
    from app import rules
    from app.cli.common import data_dir

    if args.file is not None:
        path = args.file
    else:
        area = with_store(args, lambda st: st.institution.area)
        path = rules.table_path(area, data_dir(args))
    t = rules.load(path)
    out = {"table": t.name, "path": str(path), "rules": [r.id for r in t.rules],
           "indicators": [i.code for i in t.indicators]}  # fmt: skip
    emit(args, out, f"规则表 {t.name}（{path}）有效：{len(t.rules)} 条随访规则，{len(t.indicators)} 项指标")
    return 0


def cmd_population_set(args: argparse.Namespace) -> int:
    from app.services import population

    return _set_figure(args, population.FIGURE, "常住人口")


def cmd_population_list(args: argparse.Namespace) -> int:
    from app.services import population

    return _list_figure(args, population.FIGURE)


def cmd_births_set(args: argparse.Namespace) -> int:
    from app.services import births

    return _set_figure(args, births.FIGURE, "活产数")


def cmd_births_list(args: argparse.Namespace) -> int:
    from app.services import births

    return _list_figure(args, births.FIGURE)


def _set_figure(args: argparse.Namespace, figure: VillageFigure, word: str) -> int:
    with_store(args, lambda st: figure.put(st, args.village, args.year, args.count))
    emit(args, {"village": args.village, "year": args.year, figure.key: args.count},
         f"已录入：村 {args.village} {args.year}年{word} {args.count}")  # fmt: skip
    return 0


def _list_figure(args: argparse.Namespace, figure: VillageFigure) -> int:
    rows = with_store(args, figure.all_entries)
    emit(args, rows, "\n".join(f"{r['year']}  村 {r['village']}  {r[figure.key]}" for r in rows) or "（无）")
    return 0
