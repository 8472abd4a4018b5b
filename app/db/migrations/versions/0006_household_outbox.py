"""households are synced: queue a create for every household made before they were

Households typed before this revision never reached the county server (only their uuid did, in
their members' records). Each one gets the create its device would have queued; placeholders
(made by sync for a household known only by its uuid, labelled "家庭 " + the first 8 characters
of the uuid) are left out: they belong to another device, which sends the real one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import json
import uuid

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INSERT = """INSERT INTO outbox (mutation_id, entity, entity_uuid, op, base_rev, changes, created_at,
    "user", state, attempts) VALUES (?, 'household', ?, 'create', NULL, ?, ?, 'system', 'pending', 0)"""


def _dumps(value: object) -> str:  # as app.services.changes.dumps, frozen here
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.exec_driver_sql(
        "SELECT uuid, label, village, head_uuid, created_at FROM household "
        "WHERE uuid NOT IN (SELECT entity_uuid FROM outbox WHERE entity = 'household') "
        "AND uuid NOT IN (SELECT uuid FROM sync_entity) ORDER BY created_at, uuid"
    ).fetchall()
    queued = []
    for h_uuid, label, village, head, created_at in rows:
        if label == f"家庭 {h_uuid[:8]}":
            continue
        state = {"label": label, "village": village, "head": head}
        changes = {k: {"old": None, "new": v} for k, v in sorted(state.items()) if v is not None}
        queued.append((str(uuid.uuid4()), h_uuid, _dumps(changes), created_at))
    if queued:
        conn.exec_driver_sql(INSERT, queued)


def downgrade() -> None:
    # Older programs cannot send households: drop what has not gone up yet.
    op.execute("DELETE FROM outbox WHERE entity = 'household' AND state != 'sent'")
