"""What a key holder with a SQLite shell could do to an installation's audit chain: open the
database with the data key, drop the append-only triggers, rewrite entries and rehash."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

from app.db.audit_chain import GENESIS, entry_hash


def raw(data: Path, user: str = "admin", password: str = "secret-pass") -> sqlcipher3.Connection:
    """The database as a key holder with a SQLite shell would open it."""
    from app.crypto.keyfile import KeyFile

    key = KeyFile.load(data / "keys.json").unwrap(user, password)
    conn = sqlcipher3.connect(str(data / "cunyi.db"), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return conn


def rehash(conn: sqlcipher3.Connection) -> None:
    """Recompute the whole chain, as someone covering their tracks would."""
    from app.db.models import Audit

    prev = GENESIS
    rows = conn.execute("SELECT seq, at, user, action, entity, entity_uuid, detail FROM audit "
                        "ORDER BY seq").fetchall()  # fmt: skip
    for seq, at, user, action, entity, entity_uuid, detail in rows:
        row = Audit(seq=seq, at=at, user=user, action=action, entity=entity,
                    entity_uuid=entity_uuid, detail=detail)  # fmt: skip
        digest = entry_hash(prev, row)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest


