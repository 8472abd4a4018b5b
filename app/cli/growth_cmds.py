"""growth REF: a child's measurements with their age, WHO z-scores and evaluation (issue 15)."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import emit, leaf, with_store


def register(sub) -> None:  # type: ignore[no-untyped-def]
    p = leaf(sub, "growth", "儿童生长发育评价：每次测量的日期、日龄、数值、Z评分和评价（WHO儿童生长标准）")
    p.add_argument("ref", help="居民 uuid 或档案编号")
    p.set_defaults(func=cmd_growth)


def _age(days: int | None) -> str:
    if days is None:
        return "—"
    months = int(days / (365.25 / 12))
    return f"{days}天（{months // 12}岁{months % 12}月）" if months >= 12 else f"{days}天（{months}月）"


def _num(v: float | None, unit: str) -> str:
    return "—" if v is None else f"{v:g}{unit}"


def text_of(out: dict[str, Any]) -> str:
    r = out["resident"]
    lines = [f"{r['name']}  {r['record_no']}  出生 {r['birth_date']}",
             f"参照标准：{out['reference_label']}"
             + ("" if out["cutoffs_verified"] else "（上/中/下 与评价的界值待核实）")]  # fmt: skip
    for m in out["measurements"]:
        z = "  ".join(f"{out['indicators'][k]} {v:+.2f}" for k, v in m["z"].items())
        levels = m["levels"].get("by_indicator", {})
        lv = "  ".join(f"{out['indicators'][k]}{v}" for k, v in levels.items() if k in ("wfa", "lhfa"))
        ev = m["evaluation"]["label"] if m["evaluation"] else "—"
        lines.append(f"{m['date']}  {_age(m['age_days'])}  体重 {_num(m['weight'], 'kg')}  "
                     f"身长/身高 {_num(m['height'], 'cm')}  头围 {_num(m['head'], 'cm')}  "
                     f"{z or '（超出标准的年龄或身长范围）'}  {lv}  评价 {ev}")  # fmt: skip
    lines.append(f"共 {len(out['measurements'])} 次测量")
    return "\n".join(lines)


def cmd_growth(args: argparse.Namespace) -> int:
    from app.services import growth

    out = with_store(args, lambda st: growth.of_resident(st, args.ref))
    emit(args, out, text_of(out))
    return 0
