"""Blank sheets from the desktop: the due list prints the round pack (one blank sheet per listed
resident, in list order), the resident view prints one; both audited, no saved value on them."""

from __future__ import annotations

import subprocess

from tests.ui.helpers import click, db, screenshot

TITLES = {"htn_followup": "高血压患者随访服务记录表", "dm_followup": "2型糖尿病患者随访服务记录表",
          "health_exam": "健康体检表", "elderly_selfcare": "老年人生活自理能力评估表",
          "elderly_tcm": "老年人中医药健康管理服务记录表"}  # fmt: skip


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "shown.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    return [p for p in out.split("\f") if p.strip()]


def prints(blank: bool = True) -> list[dict]:
    from app.services import audit

    return [e for e in db(audit.entries) if e["action"] == "print"
            and bool(e["detail"].get("blank")) == blank]  # fmt: skip


def test_due_list_prints_the_round_pack_in_list_order(qtbot, doctor, tmp_path):
    main, uuids = doctor
    main.tabs.setCurrentWidget(main.due)
    # 张三 (68, HTN): recheck, exam, self-care, TCM (issue 16); 赵秀兰 (64, DM): exam, follow-up
    qtbot.waitUntil(lambda: len(main.due.items) == 6, timeout=5000)
    names = {u: n for n, u in uuids.items()}
    expected = [(item["kind"], names[item["resident"]["uuid"]]) for item in main.due.items]
    screenshot(main, "60-due-list-blank-button")
    click(qtbot, main.due.blanks_button)
    qtbot.waitUntil(lambda: main.due.blanks_preview is not None
                    and main.due.blanks_preview.isVisible(), timeout=15000)  # fmt: skip
    preview = main.due.blanks_preview
    qtbot.wait(600)  # QPdfView renders its pages after it is shown
    screenshot(preview, "61-round-pack-preview")
    pages = pdf_pages(bytes(preview.pdf.data), tmp_path)
    assert preview.pdf.page_count() == len(pages)
    firsts = [p for p in pages if any(t in p for t in TITLES.values())]
    seen = []
    for page in firsts:
        kind = next(
            k for k, t in TITLES.items() if t in page and (k != "health_exam" or "随访" not in page)
        )
        name = next(n for n in names.values() if n in page)
        seen.append((kind, name))
    assert seen == expected
    # 张三's saved follow-up (150/95) is not on his blank sheet
    zhang = next(p for p in firsts if "张三" in p and TITLES["htn_followup"] in p)
    assert "150" not in zhang and "95" not in zhang and "1门诊 2家庭 3电话" in zhang
    audited = prints()
    assert {e["entity_uuid"] for e in audited} == {uuids[n] for _k, n in expected}
    preview.close()


def test_resident_view_prints_a_blank_sheet(qtbot, doctor, tmp_path):
    main, uuids = doctor
    view = main.open_resident(uuids["张三"])
    qtbot.waitUntil(lambda: bool(view.data))
    screenshot(main, "62-resident-blank-button")
    click(qtbot, view.buttons["blank"])
    qtbot.waitUntil(lambda: "preview" in main.dialogs and main.dialogs["preview"].isVisible(),
                    timeout=15000)  # fmt: skip
    preview = main.dialogs["preview"]
    assert "空白表" in preview.windowTitle()
    pages = pdf_pages(bytes(preview.pdf.data), tmp_path)
    assert "张三" in pages[0] and TITLES[view.data.due[0]["kind"]] in pages[0]
    assert prints()[-1]["entity_uuid"] == uuids["张三"]
    preview.close()
