"""The county's copy of each device's audit-chain head: a clinic's log that no longer extends what
it sent before (cut short, rolled back by an old copy, or rewritten by someone holding the data
key) is flagged here, where nobody at the clinic can change it. Issue 12."""

from __future__ import annotations

import logging
import re
from typing import Any

from sync.server.models import Device, utcnow

log = logging.getLogger("cunyi.server.anchor")
_HASH = re.compile(r"^[0-9a-f]{64}$")


class BadHead(ValueError):
    """The request's head or proof is malformed; str() names the field in Chinese."""


def parse(body: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    if not isinstance(body, dict):
        raise BadHead("请求须为 JSON 对象")
    head = _entry(body.get("head"), "head")
    proof = None if body.get("proof") is None else _entry(body.get("proof"), "proof")
    if head is None:
        raise BadHead("head：须为 {seq, hash}")
    return head, proof


def _entry(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if (not isinstance(value, dict) or not isinstance(value.get("seq"), int)
            or isinstance(value.get("seq"), bool) or not 0 < value["seq"] < 2**62
            or not isinstance(value.get("hash"), str) or not _HASH.match(value["hash"])):  # fmt: skip
        raise BadHead(f"{name}：须为 {{seq: 正整数, hash: 64位十六进制}}")
    return {"seq": value["seq"], "hash": value["hash"]}


def record(device: Device, head: dict[str, Any], proof: dict[str, Any] | None) -> dict[str, Any]:
    """Keep `head` as the device's anchor when its chain extends the one kept; else flag the
    device (once, with the first reason) and keep the old anchor, so the flag stays true."""
    device.head_due = False
    if device.audit_seq is not None:
        problem = None
        if head["seq"] < device.audit_seq:
            problem = (f"审计日志比上次同步时短：上次到第{device.audit_seq}条，"
                       f"这次只到第{head['seq']}条（被截断或回退）")  # fmt: skip
        elif proof is None or proof["seq"] != device.audit_seq or proof["hash"] != device.audit_hash:
            problem = f"审计日志第{device.audit_seq}条与上次同步时不同：日志被改写"
        if problem is not None:
            if device.audit_flag is None:
                device.audit_flag, device.audit_flag_at = problem, utcnow()
            log.warning("device %s: audit chain does not extend its last head", device.id)
            return {"seq": device.audit_seq, "flag": device.audit_flag}
    device.audit_seq, device.audit_hash = head["seq"], head["hash"]
    return {"seq": device.audit_seq, "flag": device.audit_flag}


SKIPPED = "上次同步后没有报告审计日志头：本机未能按时核对审计日志"


def overdue(device: Device) -> bool:
    """At a push: did the device's last sync end without its audit head? Flags it if so (once);
    the honest client re-sends a head it could not deliver before it pushes again."""
    if not device.head_due:
        return False
    if device.audit_flag is None:
        device.audit_flag, device.audit_flag_at = SKIPPED, utcnow()
    log.warning("device %s: pushed without reporting its audit head after the last sync", device.id)
    device.head_due = False
    return True


def clear(device: Device) -> None:
    """The county has looked into it (e.g. a restore the clinic reported): start anew."""
    device.audit_seq = device.audit_hash = device.audit_flag = device.audit_flag_at = None
