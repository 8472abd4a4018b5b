"""Search routes every kind of query to the term index and finds people the way staff type."""

import pytest

from app import search
from app.services import lifecycle, residents

PEOPLE = [
    {"name": "单田芳", "id_number": "11010519491231002X", "phone": "13800138000"},
    {"name": "曾小贤", "sex": "1", "birth_date": "1975-03-02", "phone": "13912345678"},
    {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"},
    {"name": "张伟民", "sex": "1", "birth_date": "1961-05-01"},
    {"name": "欧阳伟", "sex": "1", "birth_date": "1962-05-01"},
]


@pytest.fixture
def people(store):
    return {p["name"]: residents.add(store, p) for p in PEOPLE}


def names(store, q):
    return [r["name"] for r in residents.find(store, q)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stf", ["单田芳"]),  # the surname reading
        ("dtf", ["单田芳"]),  # the common reading
        ("shantianfang", ["单田芳"]),
        ("zxx", ["曾小贤"]),
        ("cxx", ["曾小贤"]),
        ("田芳", ["单田芳"]),  # substring
        ("002X", ["单田芳"]),  # ID suffix with check character
        ("002x", ["单田芳"]),
        ("11010519491231002X", ["单田芳"]),
        ("110105491231002", ["单田芳"]),  # the old 15-digit form of her number
        ("5678", ["曾小贤"]),  # phone suffix
        ("13912345678", ["曾小贤"]),
        ("10100002", ["曾小贤"]),  # last 8 of the record number
        ("11010500110100002", ["曾小贤"]),
        ("101-00002", []),  # not a search syntax (it is a REF syntax)
        ("123", []),  # fewer than 4 digits finds nothing rather than everything
        ("wei", ["张伟", "张伟民", "欧阳伟"]),  # given-name pinyin via suffix terms
        ("tf", ["单田芳"]),  # initials inside a name
        ("wm", ["张伟民"]),
        ("yw", ["欧阳伟"]),
        ("f", []),  # one letter matches only at the start of a name
        ("fang", ["单田芳"]),
        ("芳", ["单田芳"]),  # one character anywhere in a name
    ],
)
def test_queries(store, people, query, expected):
    assert sorted(names(store, query)) == sorted(expected)


def test_exact_name_ranks_before_prefix_and_substring(store, people):
    assert names(store, "张伟") == ["张伟", "张伟民"]
    assert names(store, "伟")[-1] in ("张伟", "张伟民", "欧阳伟")
    assert names(store, "zw")[:2] == ["张伟", "张伟民"]


def test_limit_and_filters(store, people):
    assert len(residents.find(store, "z", limit=1)) == 1
    lifecycle.set_status(store, people["张伟"]["uuid"], "lost")
    other = residents.add(store, {"name": "张伟", "sex": "1", "birth_date": "1990-01-01"})
    found = [r["uuid"] for r in residents.find(store, "张伟")]
    assert found == [other["uuid"], people["张伟"]["uuid"], people["张伟民"]["uuid"]]  # active first
    assert len(residents.find(store, "", status="lost")) == 1
    assert residents.count(store) == 6 and residents.count(store, status="lost") == 1


def test_search_follows_corrections(store, people):
    residents.update(store, people["张伟"]["uuid"], {"name": "张卫"})
    assert "张卫" in names(store, "张卫")
    # Issue 15: a former name stays a search term (a baby first entered as 母亲姓名+之男, a
    # corrected spelling): the resident is found by both, under its current name.
    assert "张卫" in names(store, "张伟")
    assert residents.get(store, people["张伟"]["uuid"])["former_names"] == ["张伟"]


def test_tags_and_age_filter(store, people):
    assert residents.find(store, "", tag="65+") and all(
        r["birth_date"] <= "1961-11-25" for r in residents.find(store, "", tag="65+"))


def test_ids_and_summaries_for_a_lazy_list(store, people):
    uuids = residents.ids(store, "")
    assert len(uuids) == 5
    assert [r["uuid"] for r in residents.summaries(store, uuids[:2])] == uuids[:2]
    assert residents.ids(store, "zw")[0] == people["张伟"]["uuid"]


def _ords(store, uuid):
    with store.session() as s:
        return {o for (o,) in s.connection().exec_driver_sql(
            "SELECT DISTINCT ord FROM resident_term WHERE resident_uuid = ?", (uuid,))}  # fmt: skip


def test_every_term_carries_the_residents_list_position(store, people):
    from app.search import order_key

    for p in people.values():
        assert _ords(store, p["uuid"]) == {order_key("active", p["record_no"])}
    zw = people["张伟"]
    # A status change made without the service (as a pulled change could be) still moves it:
    # the trigger of migration 0004 keeps ord in step.
    with store.session(write=True) as s:
        s.connection().exec_driver_sql("UPDATE resident SET status = 'moved' WHERE uuid = ?",
                                       (zw["uuid"],))  # fmt: skip
    assert _ords(store, zw["uuid"]) == {order_key("moved", zw["record_no"])}
    other = residents.add(store, {"name": "张伟", "sex": "1", "birth_date": "1990-01-01"})
    assert [r["uuid"] for r in residents.find(store, "张伟")][:2] == [other["uuid"], zw["uuid"]]
    assert zw["uuid"] not in residents.ids(store, "zw", status="active")
    assert [r["name"] for r in residents.find(store, "zw", status="moved")] == ["张伟"]
    # A writer that leaves ord out gets it filled in by the other trigger.
    with store.session(write=True) as s:
        s.connection().exec_driver_sql(
            "INSERT INTO resident_term (kind, term, resident_uuid) VALUES ('N', '测试', ?)",
            (people["欧阳伟"]["uuid"],))  # fmt: skip
    assert names(store, "测试") == ["欧阳伟"]
    assert _ords(store, people["欧阳伟"]["uuid"]) == {order_key("active", people["欧阳伟"]["record_no"])}


def test_merged_residents_are_hidden_unless_asked_for(store, people):
    dup = residents.add(store, {"name": "张伟", "sex": "1", "birth_date": "1960-05-01"},
                        allow_similar=True)  # fmt: skip
    lifecycle.merge(store, people["张伟"]["uuid"], dup["uuid"])
    assert dup["uuid"] not in residents.ids(store, "张伟")
    assert residents.ids(store, "张伟", status="merged") == [dup["uuid"]]


def test_first_page_is_the_head_of_the_full_list(store, people):
    for i in range(30):
        digits = "一二三四五六七八九十"
        residents.add(store, {"name": f"张{digits[i % 10]}{digits[i // 10]}", "sex": "1",
                              "birth_date": f"19{50 + i}-01-01"})  # fmt: skip
    full = residents.ids(store, "zh")
    assert len(full) > 10
    assert [r["uuid"] for r in residents.find(store, "zh", limit=10)] == full[:10]
    assert [r["uuid"] for r in residents.find(store, "zh", limit=10, offset=10)] == full[10:20]


def test_a_search_nobody_waits_for_stops(store, people):
    with pytest.raises(residents.Cancelled):
        residents.ids(store, "zw", cancelled=lambda: True)
    assert residents.ids(store, "zw", cancelled=lambda: False)[0] == people["张伟"]["uuid"]


def test_a_page_of_best_matches_is_answered_from_the_exact_terms_alone(store, people):
    """When the page asked for is filled by residents whose initials are exactly what was typed,
    the answer skips grouping every hit; it must still be the head of the full ranked list."""
    exact = ["张华", "张辉", "张红", "张慧", "张海", "张浩", "张虎", "张鹤", "赵华", "周海"]
    made = [residents.add(store, {"name": n, "sex": "1", "birth_date": f"19{60 + i}-02-03"})
            for i, n in enumerate(exact)]  # fmt: skip
    for i, n in enumerate(["张华明", "郑海洋", "周慧敏"]):  # prefix matches: rank lower
        residents.add(store, {"name": n, "sex": "2", "birth_date": f"19{80 + i}-02-03"})
    lifecycle.set_status(store, made[0]["uuid"], "lost")  # still a best match, listed last of them
    full = residents.ids(store, "zh")
    assert len(full) == 15  # and 张伟, 张伟民 by the full pinyin "zhang…"
    assert set(full[:10]) == {m["uuid"] for m in made} and full[9] == made[0]["uuid"]
    for limit, offset in ((5, 0), (4, 5), (10, 0), (12, 0), (3, 10)):
        page = [r["uuid"] for r in residents.find(store, "zh", limit=limit, offset=offset)]
        assert page == full[offset : offset + limit], (limit, offset)
    assert [r["uuid"] for r in residents.find(store, "zh", limit=9, status="active")] == full[:9]


def test_placeholder_record_numbers_keep_everyone_findable(store, people):
    """Sync parks a colliding provisional number as 'P…' until the server gives a new one: such
    residents stay findable, each once, listed after the properly numbered ones."""
    a, b = people["张伟"], people["张伟民"]
    with store.session(write=True) as s:
        for p in (a, b):
            s.connection().exec_driver_sql("UPDATE resident SET record_no = ? WHERE uuid = ?",
                                           ("P" + p["uuid"].replace("-", "")[:16], p["uuid"]))  # fmt: skip
    found = residents.ids(store, "wei")
    assert sorted(found) == sorted(p["uuid"] for p in (a, b, people["欧阳伟"]))
    assert found[0] == people["欧阳伟"]["uuid"]
    assert [r["uuid"] for r in residents.find(store, "wei", limit=3)] == found


def test_a_running_search_stops_when_the_doctor_types_on(store, people):
    """The cancel flag is polled while SQLite works (not only before): a query under way stops."""
    from app.services import resident_batch

    rows = [{"name": f"张{a}{b}", "sex": "1", "birth_date": "1970-01-01"}
            for a in "一二三四五六七八九十" for b in "东南西北中发白春夏秋"]  # fmt: skip
    with store.session(write=True) as s:
        resident_batch.register(s, store, rows, allow_similar=True)
    polls = []

    def typed_on() -> bool:  # false when the query starts, true once SQLite is under way
        polls.append(1)
        return len(polls) > 1

    with pytest.raises(residents.Cancelled):
        residents.ids(store, "zh", cancelled=typed_on)
    assert len(polls) >= 2
    assert len(residents.ids(store, "zh", cancelled=lambda: False)) >= 100


def test_no_term_is_stored_that_no_query_could_reach():
    # A later syllable's one-letter forms (the last initial "f", a syllable such as "e") are only
    # ever compared with queries of two letters or more: storing them cost import time for nothing.
    terms = search.terms_for("单田芳", None, "11010500110100001", None)
    inner = {t for k, t in terms if k in ("p", "i")}
    assert inner == {"tianfang", "fang", "tf"}
    assert ("I", "stf") in terms and ("I", "dtf") in terms and ("n", "芳") in terms
    assert search.terms_for("阿额", None, "11010500110100001", None) >= {("P", "ae"), ("I", "ae")}
    assert not {t for k, t in search.terms_for("阿额", None, "1", None) if k in ("p", "i")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("110105194912", ["单田芳"]),  # the start of her ID number: region, birth year and month
        ("1101051949123", ["单田芳"]),
        ("11010519491231", ["单田芳"]),
        ("19491231", ["单田芳"]),  # the birth-date part of the ID number
        ("1949-12-31", ["单田芳"]),
        ("1949年12月31日", ["单田芳"]),
        ("19750302", ["曾小贤"]),  # a birth date, for a resident without an ID number
        ("1975.3.2", ["曾小贤"]),
        ("110105195012", []),  # another birth year
        ("1101051949", []),  # region and year: too many at 50,000 residents (a hint says so)
        ("19491232", []),  # no such day: not taken for a date
    ],
)
def test_id_start_and_birth_date(store, people, query, expected):
    assert sorted(names(store, query)) == sorted(expected)


def test_id_start_and_birth_date_keep_the_list_filters_and_order(store, people):
    import datetime as dt

    from forms.idnumber import make

    more = residents.add(store, {"name": "李明", "id_number": make("110105", dt.date(1949, 12, 31), 1)})
    assert names(store, "19491231") == ["单田芳", "李明"]  # in list order
    assert [r["uuid"] for r in residents.find(store, "110105194912", limit=1)] == [people["单田芳"]["uuid"]]
    assert residents.ids(store, "110105194912", village="999") == []
    lifecycle.set_status(store, more["uuid"], "moved", date="2025-01-01", reason="迁往武汉")
    assert names(store, "19491231") == ["单田芳", "李明"]  # moved: still listed, after
    assert names(store, "19491231")[-1] == "李明"
    assert names(store, "19491231") == [r["name"] for r in residents.find(store, "19491231", limit=5)]


@pytest.mark.parametrize(
    ("query", "says"),
    [("12", "至少输入4位"), ("110105", "至少输入前12位"), ("1101051949", "至少输入前12位"),
     ("19491231", None), ("110105194912", None), ("5678", None), ("zs", None), ("张三", None)],
)
def test_hint_says_what_to_type(query, says):
    got = search.hint(query)
    assert (got is None) if says is None else (says in got)


def test_id_start_and_birth_date_are_answered_from_indexes(store, people):
    """EXPLAIN QUERY PLAN: the resident table is searched through an index, never scanned."""
    for query, index in (("110105194912", "id_number>?"), ("19491231", "ix_resident_birth_date")):
        found = search.plan(query)
        sql = found.hits.replace(":ord_end", str(search.MERGED_START))
        with store.cursor() as cur:
            steps = [row[-1] for row in cur.execute(f"EXPLAIN QUERY PLAN {sql}", found.params)]
        assert any(s.startswith("SEARCH r ") and index in s for s in steps), steps
        assert not any(s.startswith(("SCAN r", "SCAN resident")) for s in steps), steps
