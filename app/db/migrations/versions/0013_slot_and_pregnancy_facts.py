"""The children's and the maternal due lists read indexes, not documents:
- ix_record_latest gains json_extract(doc, '$.slot'), '$.hemoglobin' and '$.hearing': which
  check slot a child's record is (and whether its Hb / hearing was filled) comes from the index
  alone, as the adults' follow-ups do since 0008 (app/services/due.py _child_items; the
  child_sys_mgmt indicator reads the slot the same way).
- ix_record_pregnancy, partial (the final maternal records only): resident, visit date, form,
  status, uuid and the fields forms/pregnancy.py groups a woman's records by (FIELDS), so her latest
  pregnancy is read without decrypting a document page (app/services/pregnancies.py latest_episodes).
SQLite fills both from the documents, in the upgrade and on every later write: no writer
(app/repo/records.py, sync/bulk.py, the importer) has anything to keep in step. A query must
spell the expressions (and, for the partial index, `form IN (...) AND status = 'final'`) the
same way for SQLite to use them; `status` is a column of the partial index although its WHERE
fixes it, because SQLite counts an index holding expressions as covering only when every
column the query names is in it. migrate.upgrade then refreshes the planner's statistics.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Keep in step with app/db/models.py RECORD_FACTS and PREGNANCY_FACTS (these are the copies as
# of 0013; 0008 has the list before it).
BEFORE = ("classification", "adverse_reaction", "next_visit_date", "sbp", "dbp", "fasting_glucose",
          "elderly_selfcare")  # fmt: skip
FACTS = (*BEFORE, "slot", "hemoglobin", "hearing")
MATERNAL_FORMS = ("prenatal_first", "prenatal_followup", "postpartum_visit", "postpartum_42d",
                  "pregnancy_outcome")  # fmt: skip
PREGNANCY_FACTS = ("lmp", "edd", "gest_weeks", "gest_days", "visit_no", "visit_kind", "delivery_date",
                   "discharge_date", "outcome", "outcome_date")  # fmt: skip


def _latest(facts: tuple[str, ...]) -> str:
    cols = ", ".join(f"json_extract(doc, '$.{f}')" for f in facts)
    return (
        f"CREATE INDEX ix_record_latest ON record (form, status, resident_uuid, visit_date, {cols})"
    )


def upgrade() -> None:
    op.execute("DROP INDEX ix_record_latest")
    op.execute(_latest(FACTS))
    cols = ", ".join(f"json_extract(doc, '$.{f}')" for f in PREGNANCY_FACTS)
    forms = ", ".join(f"'{f}'" for f in MATERNAL_FORMS)
    op.execute(f"CREATE INDEX ix_record_pregnancy ON record (resident_uuid, visit_date, form, status, uuid, {cols}) "
               f"WHERE form IN ({forms}) AND status = 'final'")  # fmt: skip


def downgrade() -> None:
    op.execute("DROP INDEX ix_record_pregnancy")
    op.execute("DROP INDEX ix_record_latest")
    op.execute(_latest(BEFORE))
