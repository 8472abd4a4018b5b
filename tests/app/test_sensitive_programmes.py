"""严重精神障碍 and 肺结核 records for each role (app/roles.py sensitive_programmes, issue 16):
admin and doctor see them (every view audited), a nurse sees the resident as if they had none,
and is refused, by the services, whatever would show them; the card and cover never show them,
for anyone. Real store, real PDFs read with pdftotext."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from app import roles
from app.errors import AuthError
from app.services import (
    audit,
    due,
    indicators,
    printing,
    records,
    resident_screen,
    residents,
    round_list,
    users,
)
from app.store import Store
from forms.examples import example
from forms.idnumber import make
from tests.forms.pdflib import pdf_text, squeeze

PW = {"doctor": "doctor-pw-88", "nurse": "nurse-pw-88"}
FAR = (dt.date.today() + dt.timedelta(days=400)).isoformat()
DAY = (dt.date.today() - dt.timedelta(days=20)).isoformat()


@pytest.fixture
def clinic(store, data_dir: Path):
    for role, pw in PW.items():
        users.add(store, f"{role}1", role, pw)
    birth = dt.date(1970, 3, 3)
    smi = residents.add(store, {"name": "精神甲", "sex": "1", "birth_date": birth.isoformat(),
                                "id_number": make("110105", birth, 41),
                                "past_diseases": [{"code": "8"}, {"code": "9", "diagnosed": "2020-01"},
                                                  {"code": "2"}]})["uuid"]  # fmt: skip
    d = example("smi_followup") | {"visit_date": DAY, "classification": "1", "risk_level": "3"}
    d.pop("next_visit_date")
    rec = records.add(store, smi, "smi_followup", d, confirmed=True)["uuid"]
    tb = example("tb_first_visit") | {"visit_date": DAY}
    for k in ("next_visit_date", "pickup_date"):
        tb.pop(k)
    tb_rec = records.add(store, smi, "tb_first_visit", tb, confirmed=True)["uuid"]
    records.add(store, smi, "htn_followup", {"visit_date": DAY, "sbp": 130, "dbp": 80, "classification": "1"},
                confirmed=True)  # fmt: skip
    return {"data": data_dir, "smi": smi, "rec": rec, "tb_rec": tb_rec}


def open_as(clinic, role: str, admin: Store) -> Store:
    return admin if role == "admin" else Store.open(clinic["data"], f"{role}1", PW[role])


def views(store: Store, uuid: str) -> list[dict]:
    return [e for e in audit.entries(store) if e["action"] == "view" and e["entity_uuid"] == uuid]


@pytest.mark.parametrize("role", ["admin", "doctor"])
def test_admin_and_doctor_see_them_and_every_view_is_audited(clinic, store, role, tmp_path):
    st = open_as(clinic, role, store)
    try:
        assert set(residents.get(st, clinic["smi"])["tags"]) >= {"smi", "tb", "htn"}
        assert [r["uuid"] for r in residents.find(st, "", tag="smi")] == [clinic["smi"]]
        assert records.get(st, clinic["rec"])["form"] == "smi_followup"
        forms = {r["form"] for r in records.list_for(st, clinic["smi"])}
        assert {"smi_followup", "tb_first_visit", "htn_followup"} <= forms
        screen = resident_screen.load(st, clinic["smi"], opened=True)
        assert {"smi_followup", "tb_first_visit"} <= {r["form"] for r in screen.records}
        assert {"smi", "tb"} <= {i["programme"] for i in screen.due}
        assert {"smi", "tb"} <= {i["programme"] for i in due.list_due(st, until=FAR)}
        assert printing.print_form(st, "smi_followup", [clinic["smi"]], io.BytesIO(), mask_id=True)
        out, rl = tmp_path / "booklet.pdf", tmp_path / "round.pdf"
        with out.open("wb") as f:
            printing.print_booklets(st, [clinic["smi"]], f, mask_id=True)
        assert "严重精神障碍患者随访服务记录表" in squeeze(pdf_text(out))
        with rl.open("wb") as f:
            round_list.print_round_list(st, due.list_due(st, until=FAR), f)
        assert "严重精神障碍随访" in squeeze(pdf_text(rl))
    finally:
        if st is not store:
            st.close()
    seen = views(store, clinic["rec"])
    # records.get, records.list_for and the opened screen: three views of the SMI record
    assert [(e["user"], e["detail"].get("what")) for e in seen] == [(st.user.name, None), (st.user.name, "list"),
                                                                     (st.user.name, "list")]  # fmt: skip
    assert len(views(store, clinic["tb_rec"])) == 2


def test_a_nurse_sees_the_resident_as_if_they_had_none(clinic, store, tmp_path):
    st = open_as(clinic, "nurse", store)
    before = len(audit.entries(store))
    try:
        assert residents.get(st, clinic["smi"])["tags"] == ["htn"]
        assert residents.find(st, "精神甲")[0]["tags"] == ["htn"]
        assert residents.find(st, "")[0]["tags"] == ["htn"]
        assert residents.summaries(st, [clinic["smi"]])[0]["tags"] == ["htn"]
        for tag in ("smi", "tb"):
            with pytest.raises(AuthError, match="查看严重精神障碍和肺结核患者信息需要管理员或医生权限"):
                residents.find(st, "", tag=tag)
            with pytest.raises(AuthError):
                residents.ids(st, "", tag=tag)
        assert {r["form"] for r in records.list_for(st, clinic["smi"])} == {"htn_followup"}
        screen = resident_screen.load(st, clinic["smi"], opened=True)
        assert [r["form"] for r in screen.records] == ["htn_followup"] and screen.resident["tags"] == ["htn"]
        assert {i["programme"] for i in screen.due} & {"smi", "tb"} == set()
        assert {i["programme"] for i in due.list_due(st, until=FAR)} & {"smi", "tb"} == set()
        with pytest.raises(AuthError):
            due.list_due(st, programme="smi")
        for call in (lambda: records.get(st, clinic["rec"]), lambda: records.history(st, clinic["tb_rec"]),
                     lambda: records.list_for(st, clinic["smi"], form="smi_followup"),
                     lambda: records.update(st, clinic["rec"], {"classification": "2"}, confirmed=True),
                     lambda: records.add(st, clinic["smi"], "tb_followup", example("tb_followup"), confirmed=True),
                     lambda: printing.print_form(st, "smi_followup", [clinic["smi"]], io.BytesIO(), mask_id=True),
                     lambda: printing.print_blanks(st, [("tb_followup", clinic["smi"])], io.BytesIO())):  # fmt: skip
            with pytest.raises(AuthError, match="权限"):
                call()
        # a booklet prints without them
        out = tmp_path / "booklet.pdf"
        with out.open("wb") as f:
            printing.print_booklets(st, [clinic["smi"]], f, mask_id=True)
        text = squeeze(pdf_text(out))
        # (the 个人基本信息表 prints every 既往史 option, 8严重精神障碍 among them: the forms' titles tell)
        assert "高血压患者随访服务记录表" in text
        assert "严重精神障碍患者随访服务记录表" not in text and "肺结核患者第一次入户随访记录表" not in text
        # the round list of whatever due items it is handed: the sensitive ones left out
        admin_items = due.list_due(store, until=FAR)
        assert {"smi", "tb"} <= {i["programme"] for i in admin_items}
        rl = tmp_path / "round.pdf"
        with rl.open("wb") as f:
            round_list.print_round_list(st, admin_items, f)
        assert "严重精神障碍" not in squeeze(pdf_text(rl)) and "肺结核" not in squeeze(pdf_text(rl))
        # stats: the counts, not the residents behind the SMI/TB ones
        got = {i["code"]: i for i in indicators.stats(st, dt.date.today().year, detail=True)}
        assert got["smi_stable"]["denominator"] == 1 and got["smi_stable"]["denominator_residents"] is None
        assert "权限" in got["smi_stable"]["detail_hidden"] and got["htn_bp_control"]["denominator_residents"]
    finally:
        st.close()
    nothing_of_them = [e for e in audit.entries(store)[before:] if e["entity_uuid"] in (clinic["rec"], clinic["tb_rec"])]
    assert nothing_of_them == []  # refused before anything was read
    assert records.get(store, clinic["rec"])["doc"]["classification"] == "1"  # the refused update changed nothing


@pytest.mark.parametrize("role", ["admin", "doctor", "nurse"])
def test_card_and_cover_never_show_them(clinic, store, tmp_path, role):
    st = open_as(clinic, role, store)
    try:
        card, cover = tmp_path / "card.pdf", tmp_path / "cover.pdf"
        with card.open("wb") as f:
            printing.print_cards(st, [clinic["smi"]], f, mask_id=True)
        with cover.open("wb") as f:
            printing.print_covers(st, [clinic["smi"]], f)
    finally:
        if st is not store:
            st.close()
    for path in (card, cover):
        text = squeeze(pdf_text(path))
        assert "精神甲" in text
        for word in ("精神障碍", "结核", "精神疾病"):
            assert word not in text.replace("精神甲", ""), (path.name, word)


def test_the_card_ticks_neither_as_other():
    from forms.pdf.residentdata import chronic_codes

    doc = {"past_diseases": [{"code": "8"}, {"code": "9"}, {"code": "2"}]}
    assert chronic_codes(doc, "2017", ["smi", "tb", "htn"]) == ["2"]  # 高血压 only: no 8其他
    assert chronic_codes({"past_diseases": [{"code": "8"}]}, "2009") == []
    assert {"smi_supplement", "smi_followup", "tb_first_visit", "tb_followup"} == roles.SENSITIVE_FORMS
