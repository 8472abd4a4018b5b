"""Wire parsing: every malformed change is refused with a Chinese reason naming the field."""

import gzip
import json

import pytest

from sync.protocol import (
    BodyTooLarge,
    ProtocolError,
    RawJSON,
    decode_body,
    encode,
    gzip_json,
    parse_change,
    parse_mutation_id,
    parse_push,
)

GOOD = {
    "mutation_id": "m-1",
    "entity": "resident",
    "entity_uuid": "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
    "op": "update",
    "base_rev": 3,
    "changes": {"phone": {"old": "1", "new": "2"}},
}


def test_good_change_parses() -> None:
    c = parse_change(GOOD)
    assert c.entity == "resident" and c.base_rev == 3 and c.changes["phone"]["new"] == "2"
    assert parse_change(c.to_json()) == c


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"mutation_id": 5}, "mutation_id"),
        ({"mutation_id": "a b"}, "mutation_id"),
        ({"entity": "family"}, "entity"),
        ({"entity_uuid": "not-a-uuid"}, "entity_uuid"),
        ({"op": "delete"}, "op"),
        ({"base_rev": -1}, "base_rev"),
        ({"base_rev": True}, "base_rev"),
        ({"changes": []}, "changes"),
        ({"changes": {"phone": "2"}}, "changes.phone"),
        ({"changes": {"phone": {"old": 1}}}, "changes.phone"),
        ({"changes": {"1bad": {"new": 1}}}, "changes.1bad"),
        ({"op": "create", "changes": {}}, "changes"),
    ],
)
def test_bad_change_names_field(patch: dict, key: str) -> None:
    with pytest.raises(ProtocolError) as e:
        parse_change({**GOOD, **patch})
    assert e.value.key == key and e.value.message


def test_missing_field_and_not_object() -> None:
    bad = dict(GOOD)
    del bad["op"]
    with pytest.raises(ProtocolError, match="缺少操作"):
        parse_change(bad)
    with pytest.raises(ProtocolError):
        parse_change([1])
    assert parse_mutation_id({"mutation_id": "x1"}) == "x1"
    assert parse_mutation_id({"mutation_id": 3}) is None


def test_push_body_limits() -> None:
    assert parse_push({"changes": [GOOD]}) == [GOOD]
    with pytest.raises(ProtocolError):
        parse_push({"changes": [GOOD] * 201})
    with pytest.raises(ProtocolError):
        parse_push([GOOD])


def test_decode_gzip_and_plain() -> None:
    assert decode_body(gzip_json({"a": "村"}), "gzip") == {"a": "村"}
    assert decode_body(json.dumps({"a": 1}).encode(), None) == {"a": 1}


def test_gzip_bomb_is_refused_without_inflating_it_all() -> None:
    bomb = gzip.compress(b"0" * (64 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, "gzip", limit=1024 * 1024)


@pytest.mark.parametrize(
    ("raw", "enc"),
    [
        (b"{not json", None),
        (b"\x1f\x8b\x08garbage", "gzip"),
        (b"", None),
        (b"{}", "br"),
        (gzip.compress(b'{"a":1}')[:-6], "gzip"),
        (b"\xff\xfe", None),
    ],
)
def test_bad_bodies(raw: bytes, enc: str | None) -> None:
    with pytest.raises(ProtocolError):
        decode_body(raw, enc)


def test_plain_body_over_limit() -> None:
    with pytest.raises(BodyTooLarge):
        decode_body(b" " * 2000, None, limit=1000)


def test_raw_json_is_placed_as_it_is_and_nothing_else_is_touched() -> None:
    stored = '{"name": "王 \\"小\\" 明", "meds": [{"id": "m1", "dose": 12.5}], "x": null}'
    page = {
        "items": [{"uuid": "u1", "data": RawJSON(stored)}, {"uuid": "u2", "data": RawJSON("{}")}],
        "note": "raw-0000000000000000-0",  # looks like a placeholder: must stay text
    }
    out = json.loads(encode(page))
    assert out["items"][0]["data"] == json.loads(stored)
    assert out["items"][1]["data"] == {}
    assert out["note"] == "raw-0000000000000000-0"
    with pytest.raises(TypeError):
        encode({"x": object()})
