"""Export to JSON/CSV and import from CSV/XLSX: every bad row named, good rows added once."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from opshelp import PASSWORD, USER, cli, cli_json, make_store, person, stored_rows

from app.services import audit, importer, records, residents
from app.store import Store
from forms.idnumber import make


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    make_store(d).close()
    return d


def _write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_export_json_has_find_keys_fields_and_records(data: Path, tmp_path: Path) -> None:
    store = Store.open(data, USER, PASSWORD)
    a = residents.add(store, person(1, address="正定县示例村3组5号", household="3组5号"))
    residents.add(store, person(2))
    try:
        from forms.examples import example

        doc = example("htn_followup")
        doc["visit_date"] = dt.date.today().isoformat()
        doc.pop("next_visit_date", None)
        rec = records.add(store, a["uuid"], "htn_followup", doc, confirmed=True)
    except (ImportError, Exception):  # noqa: BLE001 - before the form definitions land
        rec = None
    store.close()
    out = tmp_path / "all.json"
    r = cli(data, "export", "--format", "json", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "未加密" in r.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert len(doc["residents"]) == 2
    first = next(x for x in doc["residents"] if x["uuid"] == a["uuid"])
    for key in ("uuid", "record_no", "name", "sex", "birth_date", "id_number", "phone", "village",
                "status"):  # fmt: skip
        assert key in first
    assert first["name"] == person(1)["name"] and first["household"] == "3组5号"
    assert first["address"] == "正定县示例村3组5号"
    if rec is not None:
        [record] = doc["records"]
        assert record["uuid"] == rec["uuid"] and record["resident"] == a["uuid"]
        assert record["form"] == "htn_followup" and record["doc"]["sbp"] == 152
        assert {"edition", "visit_date"} <= set(record)
    assert (out.stat().st_mode & 0o077) == 0  # personal data in clear: owner only
    store = Store.open(data, USER, PASSWORD)
    [entry] = [e for e in audit.entries(store) if e["action"] == "export"]
    assert entry["detail"]["residents"] == 2 and entry["detail"]["format"] == "json"
    store.close()


def test_export_csv_has_bom_and_round_trips_through_import(data: Path, tmp_path: Path) -> None:
    store = Store.open(data, USER, PASSWORD)
    for i in range(4):
        residents.add(store, person(i, household=f"{i // 2}组"))
    store.close()
    out = tmp_path / "all.csv"
    assert cli(data, "export", "--format", "csv", "-o", str(out)).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 4 and rows[0]["name"] and rows[0]["record_no"]
    other = tmp_path / "other"
    make_store(other).close()
    r = cli(other, "import", str(out), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["imported"] == 4 and report["failed"] == 0
    got = sorted((x["name"], x["id_number"], x["phone"]) for x in cli_json(other, "resident", "find",
                                                                           "王", "--json"))  # fmt: skip
    assert got == sorted((r["name"], r["id_number"], r["phone"]) for r in rows)


def test_import_chinese_headers_reports_bad_rows_and_is_idempotent(data: Path, tmp_path: Path) -> None:
    good1 = person(10)
    good2 = person(11)
    header = ["姓名", "性别", "出生日期", "身份证号", "本人电话", "现住址", "家庭"]
    rows = [
        [good1["name"], "男" if good1["sex"] == "1" else "女", good1["birth_date"].replace("-", "/"),
         good1["id_number"], good1["phone"], "示例村1组", "1组1号"],
        ["", "1", "1950-01-01", "", "", "", ""],                         # line 3: no name
        ["李四", "1", "1950-02-30", "", "", "", ""],                      # line 4: impossible date
        ["王五", "2", "1960-01-01", good1["id_number"][:-1] + "0", "", "", ""],  # line 5: bad check
        [good2["name"], good2["sex"], good2["birth_date"], good2["id_number"], "12345", "", ""],  # 6
        [good2["name"], good2["sex"], good2["birth_date"], good2["id_number"], good2["phone"], "",
         "1组1号"],  # fmt: skip
    ]
    src = _write_csv(tmp_path / "in.csv", header, rows, encoding="gb18030")  # as Excel saves it
    r = cli(data, "import", str(src), "--json")
    assert r.returncode == 3, r.stderr
    report = json.loads(r.stdout)
    assert report["imported"] == 2 and report["failed"] == 4 and report["present"] == 0
    where = {(e["line"], e["field"]) for e in report["errors"]}
    assert {(3, "name"), (4, "birth_date"), (5, "id_number"), (6, "phone")} <= where
    assert "第4行 出生日期（birth_date）" in r.stderr
    # Second run: nobody is added twice; rows of registered people are reported as present.
    r = cli(data, "import", str(src), "--json")
    report = json.loads(r.stdout)
    assert report["imported"] == 0 and report["present"] == 3 and report["failed"] == 3
    assert {p["line"] for p in report["already_present"]} == {2, 6, 7}
    store = Store.open(data, USER, PASSWORD)
    assert residents.count(store) == 2
    [hit] = residents.find(store, good1["id_number"])
    full = residents.get(store, hit["uuid"])
    assert full["sex"] == good1["sex"] and full["household_label"] == "1组1号"
    assert full["address"] == "示例村1组"
    store.close()


def test_import_without_id_number_is_idempotent_by_name_and_birth(data: Path, tmp_path: Path) -> None:
    src = _write_csv(tmp_path / "kids.csv", ["name", "sex", "birth_date"],
                     [["张小宝", "1", "2024-05-01"], ["张小宝", "1", "2024-05-01"]])  # fmt: skip
    report = cli_json(data, "import", str(src), "--json")
    assert report["imported"] == 1 and report["present"] == 1
    report = cli_json(data, "import", str(src), "--json")
    assert report["imported"] == 0 and report["present"] == 2


def test_import_xlsx_with_keys_and_excel_cell_types(data: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    p = person(20)
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "sex", "birth_date", "id_number", "phone", "village"])
    ws.append([p["name"], int(p["sex"]), dt.datetime.fromisoformat(p["birth_date"]), p["id_number"],
               int(p["phone"]), 201])  # fmt: skip
    birth = dt.date(1955, 5, 5)
    ws.append(["赵六", 1, birth, float(make("130123", birth, 11)), None, None])  # ID as a number
    src = tmp_path / "in.xlsx"
    wb.save(src)
    r = cli(data, "import", str(src), "--json")
    report = json.loads(r.stdout)
    assert report["imported"] == 1 and report["failed"] == 1
    [e] = report["errors"]
    assert e["line"] == 3 and e["field"] == "id_number" and "文本" in e["message"]
    found = cli_json(data, "resident", "find", p["phone"][-4:], "--json")
    assert [x["id_number"] for x in found] == [p["id_number"]]


def test_import_refuses_a_file_without_a_name_column_and_unknown_types(data: Path,
                                                                       tmp_path: Path) -> None:
    src = _write_csv(tmp_path / "x.csv", ["foo", "bar"], [["1", "2"]])
    r = cli(data, "import", str(src))
    assert r.returncode == 2 and "姓名" in r.stderr
    other = tmp_path / "x.xls"
    other.write_bytes(b"\xd0\xcf\x11\xe0")
    r = cli(data, "import", str(other))
    assert r.returncode == 2 and ".xlsx" in r.stderr


def test_import_batches_rows_and_reports_similar_residents(data: Path) -> None:
    store = Store.open(data, USER, PASSWORD)
    rows = [importer.Row(i + 2, person(i)) for i in range(2500)]
    report = importer.import_rows(store, rows)
    assert report["imported"] == 2500 and report["failed"] == 0
    # Same name and birth date but another ID number: similar, refused unless allowed.
    twin = dict(person(5), id_number=make("130123", dt.date.fromisoformat(person(5)["birth_date"]), 999))
    twin["sex"] = "1"
    report = importer.import_rows(store, [importer.Row(2, twin)])
    assert report["failed"] == 1 and report["errors"][0]["field"] == "name"
    assert residents.count(store) == 2500
    store.close()


def test_a_batch_stores_exactly_what_one_by_one_registration_stores(tmp_path: Path) -> None:
    """An import's batch and the register form (add_in: a batch of one) store the same rows and
    refuse the same rows with the same messages, within a batch as across transactions."""
    from app.services import resident_batch
    from app.services.integrity import check_store

    rows = [person(i, household=f"{i // 3}组", address=f"示例村{i // 3}组") for i in range(40)]
    rows.append(dict(person(3), id_number=None))            # similar to row 3: refused by both
    rows.append({"name": "刘七", "sex": "1"})                # invalid: no birth date
    rows.append(person(41, village="202"))                   # another village: provisional number
    rows.append(dict(person(42), name="单田芳"))              # polyphonic name
    one, many = make_store(tmp_path / "one"), make_store(tmp_path / "many")
    errors_one = []
    for data in rows:
        try:
            with one.session(write=True) as s:
                residents.add_in(s, one, data)
        except Exception as e:  # noqa: BLE001 - collected and compared below
            errors_one.append(str(e))
    with many.session(write=True) as s:
        results = resident_batch.register(s, many, rows)
    errors_many = [str(r) for r in results if isinstance(r, Exception)]
    assert errors_many == errors_one and len(errors_one) == 2
    assert stored_rows(many) == stored_rows(one)
    assert check_store(many) == []
    assert [x["name"] for x in residents.find(many, "stf")] == ["单田芳"]
    # One audit entry per registering transaction: the resident, or how many a batch added.
    created = [e for e in audit.entries(one) if e["action"] == "create" and e["entity"] == "resident"]
    assert len(created) == len(rows) - 2 and all(e["entity_uuid"] for e in created)
    assert created[0]["detail"]["rev"] == 1 and "name" in created[0]["detail"]["fields"]
    homes = {e["entity_uuid"] for e in audit.entries(one) if e["entity"] == "household"}
    assert len(homes) == len({(r.get("household"), r.get("village")) for r in rows[:40]})
    [batch] = [e for e in audit.entries(many) if e["action"] == "create"]
    assert batch["entity"] == "resident"
    assert batch["detail"] == {"count": len(rows) - 2, "households": len(homes)}
    # The rows written straight to the tables say what the ORM-side definitions say.
    from sqlalchemy import select

    from app.db.models import Outbox, Resident, Version
    from app.services.changes import diff

    with many.session() as s:
        for r in s.execute(select(Resident)).scalars():
            [v] = s.execute(select(Version).where(Version.entity_uuid == r.uuid)).scalars()
            [o] = s.execute(select(Outbox).where(Outbox.entity_uuid == r.uuid)).scalars()
            assert json.loads(v.data) == residents.snapshot(r)
            assert json.loads(o.changes) == diff({}, residents.snapshot(r)) and v.changes == "{}"
            assert r.tags == residents.compute_tags(json.loads(r.doc), set())
    [first] = residents.history(many, results[0].uuid)
    assert first["changes"] == diff({}, first["data"]) and first["changes"]["name"]["old"] is None
    one.close()
    many.close()


def test_import_reads_form_labels_codes_by_label_and_lists_of_codes(data: Path, tmp_path: Path) -> None:
    p = person(30)
    header = ["姓名", "性别", "出生日期", "身份证号", "民族", "药物过敏史", "既往史·疾病", "婚姻状况",
              "文化程度"]  # fmt: skip
    rows = [
        [p["name"], "女", p["birth_date"], p["id_number"], "汉族", "青霉素、磺胺", "2、3", "已婚", "小学"],
        ["李四", "男", "1950-03-04", "", "01", "无", "高血压", "结婚了", ""],  # line 3: no such code
    ]
    src = _write_csv(tmp_path / "labels.csv", header, rows)
    report = json.loads(cli(data, "import", str(src), "--json").stdout)
    assert report["imported"] == 1 and report["failed"] == 1, report
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "marital")]
    store = Store.open(data, USER, PASSWORD)
    [hit] = residents.find(store, p["id_number"])
    doc = residents.get(store, hit["uuid"])["doc"]
    assert doc["ethnicity"] == "01" and doc["drug_allergy"] == ["2", "3"]
    assert doc["marital"] == "2" and doc["education"] == "8"
    assert [d["code"] for d in doc["past_diseases"]] == ["2", "3"]
    assert set(residents.get(store, hit["uuid"])["tags"]) == {"htn", "dm"}
    store.close()


def test_import_killed_mid_way_keeps_whole_batches_and_a_rerun_completes_it(data: Path,
                                                                            tmp_path: Path) -> None:
    """kill -9 during a large import: committed batches stay, the file is sound, and running the
    same import again adds exactly the rest (nobody twice)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from sqlalchemy import func, select, text

    from app.db.models import Household, Outbox, Resident, Version
    from app.services.demo_people import households

    # Enough rows that the import is still running when its first batch is seen, even on an
    # idle machine: 6 batches of importer.BATCH (5,000), ~1 s each at 5,000 residents/s (12,000
    # rows were all in before a look at the store, which logs in, saw the first batch).
    total = 30000
    assert total >= 6 * importer.BATCH
    people = households(total, seed=4, today=dt.date.today())
    keys = ["name", "sex", "birth_date", "id_number", "phone", "address", "household"]
    src = _write_csv(tmp_path / "big.csv", keys, [[str(p.data.get(k, "")) for k in keys]
                                                   for p in people])  # fmt: skip
    env = dict(os.environ, CUNYI_DATA_DIR=str(data), CUNYI_USER=USER, CUNYI_PASSWORD=PASSWORD)
    # --allow-similar: among 30,000 generated people a few share a name and a birth date
    proc = subprocess.Popen([sys.executable, "-m", "app", "import", str(src), "--allow-similar"],
                            cwd=Path(__file__)
                            .resolve().parents[2], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip

    def count() -> int:
        store = Store.open(data, USER, PASSWORD)
        try:
            return residents.count(store)
        finally:
            store.close()

    deadline = time.monotonic() + 240
    while count() == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # the next batch is being validated or written
    proc.wait()
    first = count()
    assert 0 < first < total
    assert cli(data, "check").returncode == 0
    report = cli_json(data, "import", str(src), "--allow-similar", "--json")
    assert report["present"] == first and report["imported"] + first == total - report["failed"]
    store = Store.open(data, USER, PASSWORD)
    with store.session() as s:
        ids = s.execute(select(Resident.id_number).where(Resident.id_number.is_not(None))).scalars().all()
        assert len(ids) == len(set(ids))
        for model, entity in ((Resident, "resident"), (Household, "household")):
            n = s.execute(select(func.count()).select_from(model)).scalar_one()
            for log in (Version, Outbox):  # one create each, none lost, none twice
                assert n == s.execute(select(func.count()).select_from(log)
                                      .where(log.entity == entity)).scalar_one()  # fmt: skip
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    store.close()


def test_a_nurse_may_neither_export_nor_import(data: Path, tmp_path: Path) -> None:
    from app.services import users

    store = Store.open(data, USER, PASSWORD)
    users.add(store, "nurse1", "nurse", "nurse-pass")
    store.close()
    out = tmp_path / "x.json"
    r = cli(data, "export", "--format", "json", "-o", str(out), user="nurse1", password="nurse-pass")
    assert r.returncode == 4 and "权限" in r.stderr and not out.exists()
    src = _write_csv(tmp_path / "in.csv", ["name", "sex", "birth_date"], [["张三", "1", "1950-01-01"]])
    r = cli(data, "import", str(src), user="nurse1", password="nurse-pass")
    assert r.returncode == 4 and "权限" in r.stderr
