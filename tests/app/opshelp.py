"""Shared set-up for the administrative-operation tests: real installations in tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("CUNYI_KDF_COST", "test")  # cheap key wrapping, honoured under pytest only

REPO = Path(__file__).resolve().parents[2]
AREA = "130123101201"  # 正定县 / a township (101) / a village (201)
USER, PASSWORD = "admin", "secret-pass"


def make_store(data_dir: Path, **kwargs: Any):  # type: ignore[no-untyped-def]
    from app.store import Store

    store, _code = Store.create(data_dir, area=kwargs.get("area", AREA),
                                institution_name=kwargs.get("name", "测试村卫生室"),
                                user=USER, password=PASSWORD)  # fmt: skip
    return store


def cli(data_dir: Path, *args: str, password: str = PASSWORD, user: str = USER,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = dict(os.environ, CUNYI_DATA_DIR=str(data_dir), CUNYI_USER=user, CUNYI_PASSWORD=password,
               CUNYI_KDF_COST="test")  # fmt: skip
    env.pop("CUNYI_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def cli_json(data_dir: Path, *args: str, **kw: Any) -> Any:
    r = cli(data_dir, *args, **kw)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def fingerprint(folder: Path) -> dict[str, str]:
    """Hashes of the installation files (what must stay untouched when an operation fails). The
    WAL index (-shm) is left out: it is shared memory that any reader updates, not data; so is
    an empty WAL, which a reader may create and which holds nothing."""
    out = {}
    for p in sorted(folder.iterdir()):
        if p.name.endswith("-shm") or (p.name.endswith("-wal") and p.stat().st_size == 0):
            continue
        if p.is_file() and p.name.startswith(("cunyi.db", "keys.json")):
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


GIVEN = "秀兰建国桂志华玉芳丽军文梅金凤德海春霞永福珍光荣玲燕宝山成林丹慧新云伟敏杰涛斌亮磊鹏飞静婷雪佳怡瑶晨阳"


def person(i: int, **extra: Any) -> dict[str, Any]:
    """A valid resident, distinct per i (name, pinyin, ID number and phone) for i < 2500."""
    import datetime as dt

    from forms.idnumber import make

    birth = dt.date(1940 + i % 60, 1 + i % 12, 1 + i % 28)
    sex = "1" if i % 2 else "2"
    seq = (i // 2 * 2 + (1 if sex == "1" else 0)) % 1000
    data = {"name": "王" + GIVEN[i % 50] + GIVEN[(i // 50) % 50], "sex": sex,
            "birth_date": birth.isoformat(), "id_number": make("130123", birth, seq),
            "phone": f"138{i:08d}"}  # fmt: skip
    data.update(extra)
    return data


def stored_rows(store: Any) -> dict[Any, object]:
    """What registration stored, keyed by record number (uuids and times vary between runs)."""
    from sqlalchemy import select

    from app.db.models import Household, Outbox, Resident, ResidentTerm, Version

    with store.session() as s:
        labels = {h.uuid: h.label for h in s.execute(select(Household)).scalars()}

        def same(text: str) -> str:  # household uuids differ between stores, labels do not
            for uuid, label in labels.items():
                text = text.replace(uuid, label)
            return text

        res = {r.uuid: r for r in s.execute(select(Resident)).scalars()}
        by_no = {r.record_no: r for r in res.values()}
        out: dict[str, object] = {}
        for no, r in by_no.items():
            terms = set(s.execute(select(ResidentTerm.kind, ResidentTerm.term)
                                  .where(ResidentTerm.resident_uuid == r.uuid)).all())  # fmt: skip
            [v] = s.execute(select(Version).where(Version.entity_uuid == r.uuid)).scalars()
            [o] = s.execute(select(Outbox).where(Outbox.entity_uuid == r.uuid)).scalars()
            out[no] = (
                {k: getattr(r, k) for k in ("name", "sex", "birth_date", "id_number", "phone", "address",
                                            "village", "status", "tags", "doc", "edition", "rev",
                                            "provisional", "created_by")},
                labels.get(r.household_uuid or ""), terms,
                (v.entity, v.rev, v.action, same(v.data), same(v.changes), v.user),
                (o.entity, o.op, same(o.changes), o.state, o.user),
            )  # fmt: skip
        for h in s.execute(select(Household)).scalars():
            # Each new household goes up once, before the first resident that names it.
            [v] = s.execute(select(Version).where(Version.entity_uuid == h.uuid)).scalars()
            [o] = s.execute(select(Outbox).where(Outbox.entity_uuid == h.uuid)).scalars()
            first = min(x.device_seq for x in s.execute(select(Outbox).join(
                Resident, Resident.uuid == Outbox.entity_uuid).where(Resident.household_uuid == h.uuid)).scalars())  # fmt: skip
            assert o.device_seq < first
            out[(h.label, h.village)] = (
                h.head_uuid, (v.entity, v.rev, v.action, v.data, v.changes, v.user),
                (o.entity, o.op, o.changes, o.state, o.user),
            )  # fmt: skip
        return out
