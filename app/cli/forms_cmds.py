"""`cunyi forms list|show`: the standard forms' documentation, from their definitions."""

from __future__ import annotations

import argparse

from app.cli.common import emit, leaf
from app.errors import NotFound


def register(sub) -> None:  # type: ignore[no-untyped-def]
    fm = sub.add_parser("forms", help="标准表单说明")
    fs = fm.add_subparsers(dest="forms_command", metavar="ACTION")
    fs.required = True
    p = leaf(fs, "list", "全部表单")
    p.set_defaults(func=cmd_list)
    p = leaf(fs, "show", "某一表单的分节、字段、代码表")
    p.add_argument("code")
    p.add_argument("--edition")
    p.set_defaults(func=cmd_show)


def cmd_list(args: argparse.Namespace) -> int:
    from forms.docs import catalogue

    rows = catalogue()
    emit(args, rows, "\n".join(f"{r['code']}\t{r['title']}" for r in rows))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    import forms
    from forms.docs import describe

    try:
        doc = describe(args.code, args.edition)
    except forms.UnknownForm as e:
        raise NotFound(str(e)) from None
    lines = [f"{doc['title']}（{doc['code']}，{doc.get('edition')}版）"]
    for sec in doc.get("sections", []):
        lines.append(f"【{sec['label']}】")
        lines += [f"  {f['key']}\t{f['label']}" for f in sec.get("fields", [])]
    emit(args, doc, "\n".join(lines))
    return 0
