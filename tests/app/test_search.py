"""Search routes every kind of query to the term index and finds people the way staff type."""

import pytest

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
    assert "张卫" not in names(store, "张伟")


def test_tags_and_age_filter(store, people):
    assert residents.find(store, "", tag="65+") and all(
        r["birth_date"] <= "1961-11-25" for r in residents.find(store, "", tag="65+"))


def test_ids_and_summaries_for_a_lazy_list(store, people):
    uuids = residents.ids(store, "")
    assert len(uuids) == 5
    assert [r["uuid"] for r in residents.summaries(store, uuids[:2])] == uuids[:2]
    assert residents.ids(store, "zw")[0] == people["张伟"]["uuid"]
