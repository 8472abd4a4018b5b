"""`cunyi record add/update` and issue 11: unusual records need --confirm (exit code 3 and the
reason otherwise, nothing saved), drafts may be partial, 随访医生 defaults to the user."""

from __future__ import annotations

import json

from forms.examples import example


def resident(cli, **extra) -> dict:
    data = {"name": "王秀兰", "id_number": "110105195103082025", **extra}
    out = cli("resident", "add", "--json", "-", input=json.dumps(data, ensure_ascii=False))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def records_of(cli, ref: str) -> list:
    return json.loads(cli("record", "list", ref, "--json").stdout)


def send(cli, *args: str, doc: dict):
    return cli("record", *args, "--json", "-", input=json.dumps(doc, ensure_ascii=False))


def test_unconfirmed_record_refused_with_reason_then_confirmed(cli):
    who = resident(cli)  # no hypertension diagnosis
    doc = example("htn_followup")
    doc.update(sbp=152, dbp=94, classification="1")  # 控制满意 with 152/94, at 73
    refused = send(cli, "add", who["uuid"], "--form", "htn_followup", doc=doc)
    assert refused.returncode == 3
    assert "需要确认" in refused.stderr and "此次随访分类" in refused.stderr
    assert "152/94" in refused.stderr and "没有高血压诊断" in refused.stderr
    assert "--confirm" in refused.stderr and "Traceback" not in refused.stderr
    assert records_of(cli, who["uuid"]) == []
    ok = send(cli, "add", who["uuid"], "--form", "htn_followup", "--confirm", doc=doc)
    assert ok.returncode == 0, ok.stderr
    assert len(records_of(cli, who["uuid"])) == 1


def test_draft_then_final_and_doctor_default(cli):
    who = resident(cli, past_diseases=[{"code": "2"}])
    partial = {"visit_date": example("htn_followup")["visit_date"], "symptoms": ["1"]}
    refused = send(cli, "add", who["uuid"], "--form", "htn_followup", doc=partial)
    assert refused.returncode == 3 and "此次随访分类（classification）" in refused.stderr
    assert records_of(cli, who["uuid"]) == []
    out = send(cli, "add", who["uuid"], "--form", "htn_followup", "--draft", doc=partial)
    assert out.returncode == 0, out.stderr
    uuid = json.loads(out.stdout)["uuid"]
    final = send(cli, "update", uuid, "--final", doc={"sbp": 150, "dbp": 92, "classification": "2"})
    assert final.returncode == 0, final.stderr
    shown = json.loads(cli("record", "show", uuid, "--json").stdout)
    assert shown["status"] == "final" and shown["doc"]["doctor"] == "王医生"
