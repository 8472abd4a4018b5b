"""JSON Schemas of every request and response body, for the OpenAPI document.

The handlers read and write JSON themselves (sync/protocol.py parses it, raw_json writes it),
so FastAPI cannot infer these: they are stated here, once, and checked against the running
server by the schemathesis test (tests/sync/test_openapi.py)."""

from __future__ import annotations

from typing import Any

from sync import protocol

UUID = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
ID = r"^[A-Za-z0-9_.:-]{1,64}$"
INT64 = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}

ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
}
INSTITUTION = {
    "type": "object",
    "required": ["area", "name", "level"],
    "properties": {
        "area": {"type": "string"},
        "name": {"type": "string"},
        "level": {"type": "string", "enum": ["village", "township", "county"]},
    },
}
ENROLL = {
    "type": "object",
    "required": ["code", "area"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "maxLength": 64},
        "area": {"type": "string", "pattern": "^[0-9]{12}$"},
        "name": {"type": "string", "maxLength": 100},
        # The highest serial a village clinic gave its own residents before enrolment.
        "numbered": {"type": "integer", "minimum": 0, "maximum": 99999},
    },
}
ENROLLED = {
    "type": "object",
    "required": ["device_id", "token", "expires_at", "institution", "county"],
    "properties": {
        "device_id": {"type": "string"},
        "token": {"type": "string"},
        "expires_at": {"type": "string"},
        "institution": INSTITUTION,
        "county": {"anyOf": [{"type": "null"}, {"type": "object"}]},
    },
}
TOKEN = {
    "type": "object",
    "required": ["token", "expires_at", "audit_seq"],
    "properties": {
        "token": {"type": "string"},
        "expires_at": {"type": "string"},
        "audit_seq": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
    },
}
ME = {
    "type": "object",
    "required": ["device_id", "institution"],
    "properties": {"device_id": {"type": "string"}, "institution": INSTITUTION},
}
_ENTRY = {
    "type": "object",
    "required": ["seq", "hash"],
    "additionalProperties": False,
    "properties": {
        "seq": {"type": "integer", "minimum": 1, "maximum": 2**62 - 1},
        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
}
AUDIT_HEAD = {
    "type": "object",
    "required": ["head"],
    "additionalProperties": False,
    "properties": {"head": _ENTRY, "proof": {"anyOf": [{"type": "null"}, _ENTRY]}},
}
AUDIT_REPLY = {
    "type": "object",
    "required": ["seq"],
    "properties": {
        "seq": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
        "flag": {"anyOf": [{"type": "null"}, {"type": "string"}]},
    },
}
CHANGE = {
    "type": "object",
    "required": ["mutation_id", "entity", "entity_uuid", "op", "changes"],
    "additionalProperties": False,
    "properties": {
        "mutation_id": {"type": "string", "pattern": ID},
        "entity": {"type": "string", "enum": list(protocol.ENTITIES)},
        "entity_uuid": {"type": "string", "pattern": UUID},
        "op": {"type": "string", "enum": list(protocol.OPS)},
        "base_rev": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        "device_seq": {"type": "integer", "minimum": -(2**62), "maximum": 2**62},
        "resolves": {"type": "string", "pattern": ID},
        # Who made it on the device and when (the county's history only; sync/protocol.py).
        "user": {"type": "string", "minLength": 1, "maxLength": 64},
        "made_at": {"type": "string", "pattern": protocol.MADE_AT_PATTERN},
        "changes": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["new"],
                "additionalProperties": False,
                "properties": {"old": {}, "new": {}},
            },
        },
    },
}
PUSH = {
    "type": "object",
    "required": ["changes"],
    "additionalProperties": False,
    "properties": {
        "changes": {"type": "array", "maxItems": protocol.MAX_PUSH_CHANGES, "items": CHANGE}
    },
}
RESULT = {
    "type": "object",
    "required": ["mutation_id", "result"],
    "properties": {
        "mutation_id": {"type": "string"},
        "result": {"type": "string", "enum": list(protocol.RESULTS)},
        "entity_uuid": {"type": "string"},
        "reason": {"type": "string"},
        "code": {"type": "string"},
        "redirect_to": {"type": "string"},
        "rev": {"type": "integer"},
        "conflicts": {"type": "array", "items": {"type": "string"}},
        "record_no": {"type": "string"},
        "first_result": {"type": "string"},
    },
}
PUSHED = {
    "type": "object",
    "required": ["results"],
    "properties": {"results": {"type": "array", "items": RESULT}},
}
ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["seq", "kind", "op", "uuid", "area"],
    "properties": {
        "seq": {"type": "integer"},
        "kind": {"type": "string", "enum": list(protocol.FEED_KINDS)},
        "op": {"type": "string", "enum": ["upsert", "exit"]},
        "uuid": {"type": "string"},
        "area": {"type": "string"},
        "rev": {"type": "integer"},
        "merged_into": {"anyOf": [{"type": "null"}, {"type": "string"}]},
        "data": {"type": "object"},
        # A renamed resident's former names, decided by the server (forms/entity_keys.py).
        "former_names": {"type": "array", "items": {"type": "string"}},
    },
}
STATE = {
    "type": "object",
    "required": ["count", "hash"],
    "properties": {"count": {"type": "integer"}, "hash": {"type": "string"}},
}
PULLED = {
    "type": "object",
    "required": ["items", "cursor", "has_more"],
    "properties": {
        "items": {"type": "array", "items": ITEM},
        "cursor": {"type": "integer"},
        "has_more": {"type": "boolean"},
        "state": STATE,
    },
}
SNAPSHOT = {
    "type": "object",
    "required": ["as_of", "items", "after", "done"],
    "properties": {
        "as_of": {"type": "integer"},
        "items": {"type": "array", "items": ITEM},
        "after": {"type": "string"},
        "done": {"type": "boolean"},
        "conflicts": {"type": "array", "items": ITEM},
    },
}
SERIALS = {
    "type": "object",
    "required": ["village"],
    "additionalProperties": False,
    "properties": {
        "village": {"type": "string", "pattern": "^[0-9]{3}$"},
        "count": {"type": "integer", "minimum": 1, "maximum": 1000},
    },
}
SERIAL_BLOCK = {
    "type": "object",
    "required": ["area", "first", "last"],
    "properties": {
        "area": {"type": "string"},
        "first": {"type": "integer"},
        "last": {"type": "integer"},
    },
}
CONFLICT = {
    "type": "object",
    "required": ["id", "entity", "entity_uuid", "field", "status"],
    "properties": {
        "id": {"type": "string"},
        "entity": {"type": "string"},
        "entity_uuid": {"type": "string"},
        "resident": {"type": "string"},
        "field": {"type": "string"},
        "original": {},
        "mine": {},
        "theirs": {},
        "status": {"type": "string", "enum": ["open", "resolved"]},
        "resolution": {},
        # Where each value came from (institution, device; sync/server/sources.py), or null.
        "mine_from": {"anyOf": [{"type": "null"}, {"type": "object"}]},
        "theirs_from": {"anyOf": [{"type": "null"}, {"type": "object"}]},
    },
}
CONFLICTS = {"type": "array", "items": CONFLICT}
RESOLVE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {"take": {"type": "string", "enum": ["mine", "theirs"]}, "value": {}},
}
RESIDENT = {
    **ITEM,
    "required": [*ITEM["required"], "records"],
    "properties": {**ITEM["properties"], "records": {"type": "array", "items": ITEM}},
}
HEALTH = {
    "type": "object",
    "required": ["status", "protocol"],
    "properties": {"status": {"type": "string"}, "protocol": {"type": "integer"}},
}

_WHY = {
    400: "请求格式错误（字段名与原因见 detail）",
    401: "缺少令牌、令牌无效、过期或设备已被吊销",
    403: "不在本机构辖区，或注册被拒绝",
    404: "对象不存在或不在本机构辖区",
    408: "上传停滞超时",
    409: "状态冲突（已解决、已用完）",
    413: "请求体（解压后）过大",
    422: "变更被拒绝",
    429: "失败次数过多，请按 Retry-After 等待",
    503: "数据库繁忙，请按 Retry-After 重试",
}


def responses(ok: dict[str, Any], *errors: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of one operation: 200 with `ok`, and each listed error with ERROR."""
    out: dict[int | str, dict[str, Any]] = {
        200: {"description": "成功", "content": {"application/json": {"schema": ok}}}
    }
    for status in sorted({400, 503, *errors}):
        out[status] = {
            "description": _WHY[status],
            "content": {"application/json": {"schema": ERROR}},
        }
    return out


def body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` describing a JSON request body (also sent gzip, Content-Encoding: gzip)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
