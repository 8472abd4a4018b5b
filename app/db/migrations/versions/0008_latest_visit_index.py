"""record (form, status, resident_uuid, visit_date, and the document fields the schedules and the
indicators read): each programme's visits per resident come from the index alone, in order, one
query per form, without reading a single document (the due list and `cunyi stats` at 200,000
records; the database is larger than the page cache, and every document page read is decrypted).
resident (status, village, and the columns a due list or an indicator shows): who is in a key
population and their list row, without reading their documents either.
migrate.upgrade then refreshes the planner's statistics (app/db/planner.py).

A query must use the same expressions, json_extract(doc, '$.<field>'), for the index to cover it;
a province table naming other fields still works, reading the documents.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Keep in step with app/db/models.py RECORD_FACTS (this is the copy as of 0008).
FACTS = ("classification", "adverse_reaction", "next_visit_date", "sbp", "dbp", "fasting_glucose",
         "elderly_selfcare")  # fmt: skip


SUMMARY = ("status", "village", "uuid", "record_no", "name", "sex", "birth_date", "phone", "tags",
           "created_at", "status_date")  # fmt: skip


def upgrade() -> None:
    facts = ", ".join(f"json_extract(doc, '$.{f}')" for f in FACTS)
    op.execute(f"CREATE INDEX ix_record_latest ON record (form, status, resident_uuid, visit_date, {facts})")
    op.create_index("ix_resident_summary", "resident", list(SUMMARY), unique=False)


def downgrade() -> None:
    op.drop_index("ix_resident_summary", table_name="resident")
    op.drop_index("ix_record_latest", table_name="record")
