"""Field-level three-way merge: apply, converge, conflict; dicts per key; lists per item id."""

from sync.merge import get_path, merge_changes, set_path


def test_server_equals_old_applies_new() -> None:
    out = merge_changes({"phone": "1", "name": "张三"}, {"phone": {"old": "1", "new": "2"}})
    assert out.state == {"phone": "2", "name": "张三"}
    assert out.result == "applied" and out.applied == ["phone"]


def test_server_equals_new_is_nothing_to_do() -> None:
    out = merge_changes({"phone": "2"}, {"phone": {"old": "1", "new": "2"}})
    assert out.state == {"phone": "2"} and out.result == "duplicate" and not out.conflicts


def test_third_value_keeps_server_and_opens_conflict() -> None:
    out = merge_changes({"phone": "3"}, {"phone": {"old": "1", "new": "2"}})
    assert out.state == {"phone": "3"}
    assert out.result == "conflict"
    (c,) = out.conflicts
    assert (c.path, c.original, c.mine, c.theirs) == ("phone", "1", "2", "3")


def test_different_fields_merge_and_input_is_not_mutated() -> None:
    state = {"phone": "1", "address": "A"}
    out = merge_changes(
        state, {"address": {"old": "A", "new": "B"}, "phone": {"old": "1", "new": "1"}}
    )
    assert out.state == {"phone": "1", "address": "B"}
    assert state == {"phone": "1", "address": "A"}


def test_absent_field_counts_as_null() -> None:
    out = merge_changes({}, {"phone": {"old": None, "new": "9"}})
    assert out.state == {"phone": "9"} and out.result == "applied"


def test_nested_dict_merges_per_key() -> None:
    server = {"doc": {"sbp": 150, "dbp": 90, "weight": 60}}
    out = merge_changes(
        server,
        {
            "doc": {
                "old": {"sbp": 140, "dbp": 90, "weight": 60},
                "new": {"sbp": 140, "dbp": 85, "weight": 60},
            }
        },
    )
    # the server changed sbp meanwhile; the device changed dbp: both survive
    assert out.state == {"doc": {"sbp": 150, "dbp": 85, "weight": 60}} and not out.conflicts


def test_nested_same_key_conflict_names_the_path() -> None:
    out = merge_changes({"doc": {"sbp": 150}}, {"doc": {"old": {"sbp": 140}, "new": {"sbp": 130}}})
    assert [(c.path, c.original, c.mine, c.theirs) for c in out.conflicts] == [
        ("doc.sbp", 140, 130, 150)
    ]
    assert out.state == {"doc": {"sbp": 150}}


def test_dotted_field_key() -> None:
    out = merge_changes({"doc": {"sbp": 140, "dbp": 80}}, {"doc.dbp": {"old": 80, "new": 85}})
    assert out.state == {"doc": {"sbp": 140, "dbp": 85}}


MEDS = [
    {"id": "m1", "name": "硝苯地平", "dose": "10mg"},
    {"id": "m2", "name": "二甲双胍", "dose": "0.5g"},
]


def test_list_items_by_id_edit_different_items() -> None:
    server = [MEDS[0], {**MEDS[1], "dose": "1g"}]  # someone changed m2
    mine = [{**MEDS[0], "dose": "20mg"}, MEDS[1]]  # I changed m1
    out = merge_changes({"meds": server}, {"meds": {"old": MEDS, "new": mine}})
    assert out.state["meds"] == [{**MEDS[0], "dose": "20mg"}, {**MEDS[1], "dose": "1g"}]
    assert not out.conflicts


def test_list_edit_lands_on_right_item_after_removal_elsewhere() -> None:
    server = [MEDS[1]]  # m1 removed elsewhere: index-based patches would hit the wrong item
    mine = [MEDS[0], {**MEDS[1], "dose": "1g"}]
    out = merge_changes({"meds": server}, {"meds": {"old": MEDS, "new": mine}})
    assert out.state["meds"] == [{**MEDS[1], "dose": "1g"}]


def test_list_add_on_both_sides_keeps_both() -> None:
    a = {"id": "a", "name": "阿司匹林"}
    b = {"id": "b", "name": "氨氯地平"}
    out = merge_changes({"meds": [*MEDS, a]}, {"meds": {"old": MEDS, "new": [*MEDS, b]}})
    assert [i["id"] for i in out.state["meds"]] == ["m1", "m2", "a", "b"]


def test_list_same_item_same_field_conflicts() -> None:
    server = [{**MEDS[0], "dose": "5mg"}, MEDS[1]]
    mine = [{**MEDS[0], "dose": "20mg"}, MEDS[1]]
    out = merge_changes({"meds": server}, {"meds": {"old": MEDS, "new": mine}})
    assert [(c.path, c.mine, c.theirs) for c in out.conflicts] == [("meds[m1].dose", "20mg", "5mg")]
    assert out.state["meds"] == server


def test_list_removal_of_item_edited_elsewhere_is_a_conflict_not_a_loss() -> None:
    server = [{**MEDS[0], "dose": "5mg"}, MEDS[1]]
    out = merge_changes({"meds": server}, {"meds": {"old": MEDS, "new": [MEDS[1]]}})
    assert out.state["meds"] == server
    assert out.conflicts[0].path == "meds[m1]" and out.conflicts[0].mine is None


def test_plain_list_is_a_scalar() -> None:
    out = merge_changes({"tags": ["a", "c"]}, {"tags": {"old": ["a"], "new": ["a", "b"]}})
    assert out.conflicts[0].path == "tags" and out.state["tags"] == ["a", "c"]


def test_paths_read_and_write_list_items() -> None:
    data = {"doc": {"meds": [dict(m) for m in MEDS]}}
    assert get_path(data, "doc.meds[m2].dose") == "0.5g"
    assert get_path(data, "doc.nothing.deeper") is None
    set_path(data, "doc.meds[m2].dose", "1g")
    assert data["doc"]["meds"][1]["dose"] == "1g"
    set_path(data, "doc.meds[m1]", None)
    assert [m["id"] for m in data["doc"]["meds"]] == ["m2"]
    set_path(data, "doc.meds[m9]", {"id": "m9"})
    set_path(data, "x.y", 1)
    assert data["x"] == {"y": 1} and data["doc"]["meds"][-1] == {"id": "m9"}


def test_replaying_a_merged_change_is_harmless() -> None:
    change = {"phone": {"old": "1", "new": "2"}, "address": {"old": "A", "new": "B"}}
    first = merge_changes({"phone": "1", "address": "A"}, change)
    second = merge_changes(first.state, change)
    assert second.state == first.state and second.result == "duplicate"
