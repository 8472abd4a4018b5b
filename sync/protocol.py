"""Wire types of the sync protocol (JSON, gzip both ways), shared by the client and the server.

Plain dataclasses and parse functions (no pydantic) so the desktop client needs no server extra.
Every parse error is a `ProtocolError` whose message names the field and the problem in Chinese.
"""

from __future__ import annotations

import gzip
import json
import re
import secrets
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

API_PREFIX = "/api/v1"
PROTOCOL_VERSION = 1
MAX_PUSH_CHANGES = 200
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 2000
MAX_SNAPSHOT_LIMIT = 10000
MAX_BODY_BYTES = 16 * 1024 * 1024  # after decompression (gzip-bomb cap)

# "activity": the clinic's own log (健康教育活动记录表, issue 16), filed under the clinic's area
ENTITIES = ("household", "resident", "record", "activity")
OPS = ("create", "update", "status", "merge", "unmerge")
RESULTS = ("applied", "merged", "duplicate", "conflict", "rejected", "redirected")
FEED_KINDS = ("household", "resident", "record", "activity", "conflict")

_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
MADE_AT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]{5,15}([+-][0-9:]{4,5}|Z)?$"
_MADE_AT = re.compile(MADE_AT_PATTERN)


class ProtocolError(ValueError):
    """A request or response that does not follow the protocol; str() is user-facing Chinese."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}：{message}")
        self.key = key
        self.message = message


@dataclass
class Change:
    """One local change from a device's outbox: the old and new value of every changed field."""

    mutation_id: str
    entity: str
    entity_uuid: str
    op: str
    changes: dict[str, dict[str, Any]]
    base_rev: int | None = None
    device_seq: int | None = None
    resolves: str | None = None  # conflict id this change resolves (a resolution is a change)
    # Who made it on the device and when, by the device's clock: for the county's history only
    # (never for a decision: jurisdiction comes from the server's own state).
    user: str | None = None
    made_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class ChangeResult:
    mutation_id: str
    result: str
    entity_uuid: str | None = None
    reason: str | None = None
    redirect_to: str | None = None
    rev: int | None = None
    conflicts: list[str] = field(default_factory=list)
    record_no: str | None = None  # set when the server replaced a colliding/provisional number

    def to_json(self) -> dict[str, Any]:
        # By hand, not asdict(): a push builds one per change and asdict's deep copy cost
        # about a tenth of a batch of creates on the server.
        d: dict[str, Any] = {"mutation_id": self.mutation_id, "result": self.result}
        for k in ("entity_uuid", "reason", "redirect_to", "rev", "record_no"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.conflicts:
            d["conflicts"] = list(self.conflicts)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ChangeResult:
        return cls(
            mutation_id=d["mutation_id"],
            result=d["result"],
            entity_uuid=d.get("entity_uuid"),
            reason=d.get("reason"),
            redirect_to=d.get("redirect_to"),
            rev=d.get("rev"),
            conflicts=list(d.get("conflicts") or []),
            record_no=d.get("record_no"),
        )


def _need(d: dict[str, Any], key: str, typ: type | tuple[type, ...], label: str) -> Any:
    if key not in d:
        raise ProtocolError(key, f"缺少{label}")
    value = d[key]
    if not isinstance(value, typ) or isinstance(value, bool) and typ is int:
        raise ProtocolError(key, f"{label}类型错误")
    return value


def is_made_at(value: Any) -> bool:
    """A device timestamp as the outbox keeps it (ISO 8601, local offset)."""
    return isinstance(value, str) and bool(_MADE_AT.match(value))


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def parse_mutation_id(raw: Any) -> str | None:
    """The mutation id of a raw change if it is usable, so even a malformed change gets a result."""
    if (
        isinstance(raw, dict)
        and isinstance(raw.get("mutation_id"), str)
        and _ID.match(raw["mutation_id"])
    ):
        return raw["mutation_id"]
    return None


def parse_change(raw: Any) -> Change:
    if not isinstance(raw, dict):
        raise ProtocolError("change", "每条变更必须是 JSON 对象")
    mid = _need(raw, "mutation_id", str, "变更编号")
    if not _ID.match(mid):
        raise ProtocolError("mutation_id", "变更编号格式错误")
    entity = _need(raw, "entity", str, "对象类型")
    if entity not in ENTITIES:
        raise ProtocolError("entity", f"未知对象类型 {entity[:20]}")
    uuid = _need(raw, "entity_uuid", str, "对象标识")
    if not is_uuid(uuid):
        raise ProtocolError("entity_uuid", "对象标识不是 UUID")
    op = _need(raw, "op", str, "操作")
    if op not in OPS:
        raise ProtocolError("op", f"未知操作 {op[:20]}")
    base_rev = raw.get("base_rev")
    if base_rev is not None and (
        not isinstance(base_rev, int) or isinstance(base_rev, bool) or base_rev < 0
    ):
        raise ProtocolError("base_rev", "基础版本必须是非负整数")
    device_seq = raw.get("device_seq")
    if device_seq is not None and (not isinstance(device_seq, int) or isinstance(device_seq, bool)):
        raise ProtocolError("device_seq", "设备序号必须是整数")
    resolves = raw.get("resolves")
    if resolves is not None and not (isinstance(resolves, str) and _ID.match(resolves)):
        raise ProtocolError("resolves", "冲突编号格式错误")
    user, made_at = raw.get("user"), raw.get("made_at")
    if user is not None and not (
        isinstance(user, str) and 0 < len(user) <= 64 and user.isprintable()
    ):
        raise ProtocolError("user", "用户名必须是 1 到 64 个可打印字符")
    if made_at is not None and not is_made_at(made_at):
        raise ProtocolError("made_at", "修改时间必须是 ISO 8601 时间")
    changes = _need(raw, "changes", dict, "字段变更")
    for key, fc in changes.items():
        if not _FIELD.match(key) or len(key) > 128:
            raise ProtocolError(f"changes.{key[:40]}", "字段名格式错误")
        if not isinstance(fc, dict) or "new" not in fc or set(fc) - {"old", "new"}:
            raise ProtocolError(f"changes.{key}", "每个字段必须是 {old, new}")
    if op == "create" and not changes:
        raise ProtocolError("changes", "新建对象不能没有字段")
    return Change(
        mid, entity, uuid.lower(), op, changes, base_rev, device_seq, resolves, user, made_at
    )


def parse_push(body: Any) -> list[Any]:
    """The raw change list of a push body; each change is parsed separately (per-change errors)."""
    if not isinstance(body, dict):
        raise ProtocolError("body", "请求体必须是 JSON 对象")
    changes = _need(body, "changes", list, "变更列表")
    if len(changes) > MAX_PUSH_CHANGES:
        raise ProtocolError("changes", f"一次最多 {MAX_PUSH_CHANGES} 条变更")
    return changes


class RawJSON:
    """Text that is already JSON (a document as the database returns it): `encode` places it as
    it is. A snapshot page of 1,000 documents otherwise spends most of its time on the server
    decoding the database's JSON and encoding it again."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def encode(obj: Any) -> bytes:
    raws: list[str] = []
    mark = f"raw-{secrets.token_hex(8)}-"  # random per call: no stored text can look like it

    def placeholder(o: Any) -> str:
        if not isinstance(o, RawJSON):
            raise TypeError(f"{type(o).__name__} is not JSON serializable")
        raws.append(o.text)
        return f"{mark}{len(raws) - 1}"

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=placeholder)
    if raws:
        text = re.sub(f'"{mark}(\\d+)"', lambda m: raws[int(m.group(1))], text)
    return text.encode("utf-8")


def gzip_json(obj: Any) -> bytes:
    return gzip.compress(encode(obj), compresslevel=6)


def decode_body(raw: bytes, content_encoding: str | None, limit: int = MAX_BODY_BYTES) -> Any:
    """JSON from a (possibly gzip) body, refusing more than `limit` bytes after decompression."""
    enc = (content_encoding or "identity").strip().lower()
    if enc == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = d.decompress(raw, limit + 1)
        except zlib.error as e:
            raise ProtocolError("body", "gzip 数据损坏") from e
        if len(data) > limit or d.unconsumed_tail:
            raise BodyTooLarge(limit)
        if not d.eof:
            raise ProtocolError("body", "gzip 数据不完整")
    elif enc == "identity":
        if len(raw) > limit:
            raise BodyTooLarge(limit)
        data = raw
    else:
        raise ProtocolError("Content-Encoding", f"不支持的压缩方式 {enc[:20]}")
    if not data:
        raise ProtocolError("body", "请求体为空")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise ProtocolError("body", "不是合法的 JSON") from e


class BodyTooLarge(ProtocolError):
    def __init__(self, limit: int) -> None:
        super().__init__("body", f"请求体解压后超过 {limit // (1024 * 1024)} MB 上限")


STATE_MOD = 2**40


def state_item_hash(uuid: str, rev: int) -> int:
    """One entity's share of a jurisdiction's drift-check hash: the hash is the sum of these over
    all entities, mod 2**40. A sum (unlike XOR) can be added up by SQL, and 40 bits keep the sum of
    millions of entities inside a 64-bit integer."""
    import hashlib

    return int(hashlib.sha256(f"{uuid}:{rev}".encode()).hexdigest()[:10], 16)


def state_digest(count: int, total: int) -> dict[str, Any]:
    return {"count": count, "hash": format(total % STATE_MOD, "010x")}
