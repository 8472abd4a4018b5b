"""Registering and correcting residents: every refusal names its field and changes nothing."""

import pytest
from sqlalchemy import func, select

from app.db.models import Outbox, Resident, Version
from app.errors import DuplicateResident, InvalidInput, NotFound
from app.services import lifecycle, residents
from forms.idnumber import make

GOOD_ID = "11010519491231002X"  # GB 11643's own example: 1949-12-31, female


def counts(store):
    with store.session() as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar() for t in (Resident, Version, Outbox))


def test_add_derives_sex_and_birth_date_from_id_number(store):
    out = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID.lower(), "phone": "138 0013 8000"})
    r = residents.get(store, out["uuid"])
    assert (r["sex"], r["birth_date"], r["id_number"], r["phone"]) == ("2", "1949-12-31", GOOD_ID, "13800138000")
    assert out["record_no"] == "11010500110100001" and not r["provisional"]


def test_fifteen_digit_id_is_converted(store):
    out = residents.add(store, {"name": "周敏", "id_number": "310112850409522"})
    assert residents.get(store, out["uuid"])["id_number"] == "310112198504095227"


def test_record_numbers_are_sequential_and_unique(store):
    numbers = [residents.add(store, {"name": f"王{c}", "sex": "1", "birth_date": "1980-01-0" + str(i + 1)})["record_no"]
               for i, c in enumerate("一二三")]  # fmt: skip
    assert numbers == ["11010500110100001", "11010500110100002", "11010500110100003"]


def test_other_village_gets_a_provisional_number(store):
    out = residents.add(store, {"name": "钱多", "sex": "1", "birth_date": "1980-01-01", "village": "102"})
    r = residents.get(store, out["uuid"])
    assert r["provisional"] and r["record_no"].startswith("110105001102") and r["record_no"][-5:] >= "90000"


@pytest.mark.parametrize(
    ("data", "key", "fragment"),
    [
        ({"sex": "1", "birth_date": "1980-01-01"}, "name", "不能为空"),
        ({"name": "王1", "sex": "1", "birth_date": "1980-01-01"}, "name", "不能含数字"),
        ({"name": "王五", "birth_date": "1980-01-01"}, "sex", "不能为空"),
        ({"name": "王五", "sex": "3", "birth_date": "1980-01-01"}, "sex", "无效"),
        ({"name": "王五", "sex": "1"}, "birth_date", "不能为空"),
        ({"name": "王五", "sex": "1", "birth_date": "1980-02-30"}, "birth_date", "不是有效日期"),
        ({"name": "王五", "sex": "1", "birth_date": "2999-01-01"}, "birth_date", "不能晚于今天"),
        ({"name": "王五", "id_number": "110105194912310021"}, "id_number", "校验位错误"),
        ({"name": "王五", "id_number": "160105194912310029"}, "id_number", "地址码"),
        ({"name": "王五", "id_number": "110105194902310026"}, "id_number", "出生日期"),
        ({"name": "王五", "id_number": "1101051949"}, "id_number", "应为18位"),
        ({"name": "王五", "id_number": GOOD_ID, "sex": "1"}, "sex", "身份证号表明为女"),
        ({"name": "王五", "id_number": GOOD_ID, "birth_date": "1949-12-30"}, "birth_date", "1949-12-31"),
        ({"name": "王五", "sex": "1", "birth_date": "1980-01-01", "phone": "12345"}, "phone", "7–15位"),
        ({"name": "王五", "sex": "1", "birth_date": "1980-01-01", "phone": "1380013800"}, "phone", "11位"),
        ({"name": "王五", "sex": "1", "birth_date": "1980-01-01", "village": "1a"}, "village", "3位数字"),
        ({"name": "王五", "sex": "1", "birth_date": "1980-01-01", "village": "000"}, "village", "000"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(store, data, key, fragment):
    before = counts(store)
    with pytest.raises(InvalidInput) as e:
        residents.add(store, data)
    named = {err.key: str(err) for err in e.value.errors}
    assert key in named and fragment in named[key], named
    assert counts(store) == before


def test_all_errors_are_reported_at_once(store):
    with pytest.raises(InvalidInput) as e:
        residents.add(store, {"name": "", "sex": "7", "birth_date": "nope", "phone": "x"})
    assert {"name", "sex", "birth_date", "phone"} <= {err.key for err in e.value.errors}


def test_same_id_number_refused_with_existing_record_number(store):
    first = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID})
    before = counts(store)
    with pytest.raises(DuplicateResident) as e:
        residents.add(store, {"name": "李秀", "id_number": GOOD_ID}, allow_similar=True)
    assert first["record_no"] in str(e.value) and e.value.errors[0].key == "id_number"
    assert counts(store) == before


@pytest.mark.parametrize(
    "second",
    [
        {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"},  # same name + birth date
        {"name": "章伟", "sex": "1", "birth_date": "1960-05-01"},  # same pinyin + birth date
        {"name": "张大伟", "sex": "1", "birth_date": "1960-05-01", "phone": "13912345678"},  # phone
    ],
)
def test_similar_resident_refused_unless_allowed(store, second):
    residents.add(store, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01", "phone": "13912345678"})
    with pytest.raises(DuplicateResident) as e:
        residents.add(store, second)
    assert e.value.existing[0]["name"] == "张伟"
    assert residents.add(store, second, allow_similar=True)["record_no"]


def test_update_keeps_every_version_and_writes_outbox(store):
    out = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID})
    result = residents.update(store, out["uuid"], {"phone": "13800138000", "address": "东村3组"})
    assert result.changed == ["address", "phone"] and result.rev == 2 and result.residents == [out["uuid"]]
    assert residents.update(store, out["uuid"], {"phone": "13800138000"}).changed == []
    hist = residents.history(store, out["record_no"])
    assert [h["rev"] for h in hist] == [1, 2]
    assert hist[1]["changes"]["phone"] == {"old": None, "new": "13800138000"}
    assert hist[0]["data"]["name"] == "李秀英"
    with store.session() as s:
        ops = [o.op for o in s.execute(select(Outbox).where(Outbox.entity_uuid == out["uuid"])).scalars()]
    assert ops == ["create", "update"]


def test_update_refuses_bad_patch_and_changes_nothing(store):
    out = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID})
    before = residents.get(store, out["uuid"])
    with pytest.raises(InvalidInput) as e:
        residents.update(store, out["uuid"], {"sex": "1"})
    assert e.value.errors[0].key == "sex"
    after = residents.get(store, out["uuid"])
    assert after["rev"] == before["rev"] and after["sex"] == "2"


def test_update_cannot_take_another_residents_id_number(store):
    residents.add(store, {"name": "李秀英", "id_number": GOOD_ID})
    other = residents.add(store, {"name": "赵六", "sex": "2", "birth_date": "1949-12-31"})
    with pytest.raises(DuplicateResident):
        residents.update(store, other["uuid"], {"id_number": GOOD_ID})


def test_references_resolve_by_uuid_numbers_and_id(store):
    out = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID})
    for ref in (out["uuid"], out["record_no"], out["record_no"][-8:], "101-00001", GOOD_ID):
        assert residents.get(store, ref)["uuid"] == out["uuid"]
    with pytest.raises(NotFound):
        residents.get(store, "11010500110199999")


def test_status_changes_and_their_rules(store):
    out = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID})
    with pytest.raises(InvalidInput) as e:
        lifecycle.set_status(store, out["uuid"], "deceased")
    assert {"date", "reason"} <= {x.key for x in e.value.errors}
    with pytest.raises(InvalidInput) as e:
        lifecycle.set_status(store, out["uuid"], "deceased", "1940-01-01", "心梗")
    assert e.value.errors[0].key == "date"
    with pytest.raises(InvalidInput) as e:
        lifecycle.set_status(store, out["uuid"], "moved")
    assert e.value.errors[0].key == "reason"
    with pytest.raises(InvalidInput):
        lifecycle.set_status(store, out["uuid"], "deleted")
    lifecycle.set_status(store, out["uuid"], "moved", reason="迁往上海市")
    r = residents.get(store, out["uuid"])
    assert (r["status"], r["status_reason"]) == ("moved", "迁往上海市")
    lifecycle.set_status(store, out["uuid"], "active")
    assert residents.get(store, out["uuid"])["status"] == "active"
    assert [h["action"] for h in residents.history(store, out["uuid"])] == ["create", "status", "status"]


def test_merge_redirects_and_unmerge_restores(store):
    keep = residents.add(store, {"name": "李秀英", "sex": "2", "birth_date": "1949-12-31"})
    dup = residents.add(store, {"name": "李秀英", "id_number": GOOD_ID, "phone": "13800138000"},
                        allow_similar=True)  # fmt: skip
    lifecycle.merge(store, keep["record_no"], dup["record_no"])
    shown = residents.get(store, dup["uuid"])
    assert shown["uuid"] == keep["uuid"] and shown["redirected_from"] == dup["uuid"]
    assert shown["id_number"] == GOOD_ID and shown["phone"] == "13800138000"
    assert [r["uuid"] for r in residents.find(store, "李秀英")] == [keep["uuid"]]
    with pytest.raises(InvalidInput):
        lifecycle.merge(store, keep["uuid"], dup["uuid"])
    lifecycle.unmerge(store, dup["uuid"])
    assert residents.get(store, dup["uuid"])["id_number"] == GOOD_ID
    assert residents.get(store, keep["uuid"])["id_number"] is None
    assert len(residents.find(store, "李秀英")) == 2
    assert [h["action"] for h in residents.history(store, dup["uuid"])] == ["create", "merge", "unmerge"]
    with pytest.raises(InvalidInput):
        lifecycle.unmerge(store, dup["uuid"])


def test_township_hospital_must_name_the_village(tmp_path):
    from app.store import Store

    st, _ = Store.create(tmp_path / "t", area="110105001000", institution_name="卫生院",
                         user="admin", password="secret123")  # fmt: skip
    try:
        with pytest.raises(InvalidInput) as e:
            residents.add(st, {"name": "王五", "sex": "1", "birth_date": "1980-01-01"})
        assert e.value.errors[0].key == "village"
        out = residents.add(st, {"name": "王五", "sex": "1", "birth_date": "1980-01-01", "village": "101"})
        assert residents.get(st, out["uuid"])["provisional"]
    finally:
        st.close()


def test_synthetic_ids_are_valid():
    import datetime as dt

    from forms.idnumber import parse

    assert parse(make("110105", dt.date(1950, 3, 4), 11)).sex == "1"
