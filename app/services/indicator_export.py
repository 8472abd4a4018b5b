"""The indicators as an Excel workbook: the figures, and the residents behind each numerator and
denominator (so the county can check a number against the records). Names on it: export rights
needed and audited, like the residents' export."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import roles
from app.errors import UsageError
from app.services import audit, indicators
from app.services.export import neutralise

if TYPE_CHECKING:
    from app.store import Store

HEADINGS = ("代码", "指标", "分子", "分母", "率（%）", "说明")


def write_xlsx(store: Store, path: Path, year: int, village: str | None = None) -> dict[str, Any]:
    from openpyxl import Workbook

    roles.require(store, "export")
    path = Path(path)
    if not path.parent.is_dir():
        raise UsageError(f"目录不存在：{path.parent}")
    items = indicators.stats(store, year, village, detail=True)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "指标"
    sheet.append([f"{store.institution.name}　{year}年　{'村 ' + village if village else '全部村'}"])
    sheet.append(list(HEADINGS))
    for i in items:
        sheet.append([i["code"], i["name"], i["numerator"], i["denominator"], i["rate"], i["note"]])
    for col, width in zip("ABCDEF", (20, 26, 8, 8, 9, 60), strict=True):
        sheet.column_dimensions[col].width = width
    detail = wb.create_sheet("明细")
    detail.append(["代码", "指标", "分子/分母", "档案编号", "姓名", "居民标识"])
    for i in items:
        for part, key in (("分子", "numerator_residents"), ("分母", "denominator_residents")):
            for r in i.get(key) or ():
                detail.append([i["code"], i["name"], part, str(r["record_no"]), neutralise(r["name"]), r["uuid"]])
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as f:
            wb.save(f)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    audit.log(store, "export", detail={"format": "xlsx", "what": "indicators", "year": year,
                                       "village": village})  # fmt: skip
    return {"path": str(path), "indicators": len(items)}
