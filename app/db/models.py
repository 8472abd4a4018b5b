"""The local tables. Identity columns are relational and indexed; form content is a JSON document.

Schema changes go through Alembic revisions in app/db/migrations (tests compare this metadata with
the migrated database, so the two cannot drift apart).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Institution(Base):
    """This installation's clinic (one row)."""

    __tablename__ = "institution"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area: Mapped[str] = mapped_column(String(12))  # county 6 + township 3 + village 3
    name: Mapped[str] = mapped_column(Text)
    installation_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[str] = mapped_column(String(32))


class User(Base):
    __tablename__ = "app_user"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # admin | doctor | nurse
    state: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    created_at: Mapped[str] = mapped_column(String(32))


class Household(Base):
    __tablename__ = "household"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    label: Mapped[str] = mapped_column(Text)  # what staff call it: an address or household number
    village: Mapped[str] = mapped_column(String(3))
    head_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_household_label_village", "label", "village"),)


class Resident(Base):
    __tablename__ = "resident"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_no: Mapped[str] = mapped_column(String(17), unique=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(Text)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[str] = mapped_column(String(10), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    village: Mapped[str] = mapped_column(String(3), index=True)
    household_uuid: Mapped[str | None] = mapped_column(
        ForeignKey("household.uuid"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    merged_into: Mapped[str | None] = mapped_column(String(36), nullable=True)
    tags: Mapped[str] = mapped_column(Text, default="")  # space-separated: "htn dm"
    doc: Mapped[str] = mapped_column(Text)  # personal_info document, JSON
    edition: Mapped[str] = mapped_column(String(8))
    rev: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
    # Its search terms (app.search.pack): which resident_term rows are its own (migration 0007).
    terms: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The resident's mother (the synced key `mother`; migration 0010): her view lists her children.
    mother_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    # Names the resident had before (JSON list, kept by app/repo/residents.py), still searched.
    former_names: Mapped[str | None] = mapped_column(Text, nullable=True)

    # A due list's or an indicator's residents and their list rows without their documents
    # (migration 0008; app/services/due.py, indicators.py).
    __table_args__ = (
        Index("ix_resident_summary", "status", "village", "uuid", "record_no", "name", "sex",
              "birth_date", "phone", "tags", "created_at", "status_date"),
    )


class ResidentTerm(Base):
    """Search terms of a resident, one index entry each (see app/search.py for the kinds)."""

    __tablename__ = "resident_term"
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    # No index by resident (the resident row lists its terms: resident.terms) and no foreign key
    # (derived from the residents; `cunyi check` compares the table with the lists). Migration 0007.
    resident_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The resident's place in the list (search.order_key), kept in step by triggers (0004).
    ord: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Clustered on the primary key: a term range is read with its ord, no second index.
    __table_args__ = {"sqlite_with_rowid": False}


# Document fields copied into the index ix_record_latest (migrations 0008 and 0013 have their
# own copies): the adults' follow-ups and exams, the children's check slots.
RECORD_FACTS = ("classification", "adverse_reaction", "next_visit_date", "sbp", "dbp",
                "fasting_glucose", "elderly_selfcare", "slot", "hemoglobin", "hearing")  # fmt: skip
# The final maternal records' fields a woman's pregnancies are grouped by (forms/pregnancy.py
# FIELDS), in the partial index ix_record_pregnancy (migration 0013 has its own copy).
MATERNAL_FORMS = ("prenatal_first", "prenatal_followup", "postpartum_visit", "postpartum_42d",
                  "pregnancy_outcome")  # fmt: skip
PREGNANCY_FACTS = ("lmp", "edd", "gest_weeks", "gest_days", "visit_no", "visit_kind", "delivery_date",
                   "discharge_date", "outcome", "outcome_date")  # fmt: skip


class Record(Base):
    """One filled form of a resident."""

    __tablename__ = "record"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    resident_uuid: Mapped[str] = mapped_column(ForeignKey("resident.uuid"), index=True)
    form: Mapped[str] = mapped_column(String(32))
    edition: Mapped[str] = mapped_column(String(8))
    visit_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    doc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="final")
    rev: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_record_form_visit", "form", "visit_date"),
        # The schedules' and indicators' covering index (migration 0008; app/services/due.py).
        Index("ix_record_latest", "form", "status", "resident_uuid", "visit_date",
              *(func.json_extract(text("doc"), f"$.{f}") for f in RECORD_FACTS)),
        # A woman's latest pregnancy without her documents (migration 0013; app/services/pregnancies.py).
        Index("ix_record_pregnancy", "resident_uuid", "visit_date", "form", "status", "uuid",
              *(func.json_extract(text("doc"), f"$.{f}") for f in PREGNANCY_FACTS),
              sqlite_where=text("form IN (" + ", ".join(f"'{f}'" for f in MATERNAL_FORMS) + ") AND status = 'final'")),
    )


class Version(Base):
    """Every saved state of a resident or record (append-only; triggers refuse edits)."""

    __tablename__ = "version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_uuid: Mapped[str] = mapped_column(String(36))
    rev: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    data: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text, default="{}")
    at: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_version_entity", "entity_uuid", "rev"),)


class Audit(Base):
    """Hash-chained log of logins, views, changes, prints, exports, backups (append-only)."""

    __tablename__ = "audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32), index=True)
    user: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    entity_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Outbox(Base):
    """One row per local change, written in the same transaction as the change."""

    __tablename__ = "outbox"
    device_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mutation_id: Mapped[str] = mapped_column(String(36), unique=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_uuid: Mapped[str] = mapped_column(String(36), index=True)
    op: Mapped[str] = mapped_column(String(16))
    changes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A refusal: the county's code (invalid, forbidden, not_found, internal) and its reason.
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolves: Mapped[str | None] = mapped_column(String(36), nullable=True)  # conflict id (sync)


class SerialBlock(Base):
    """A range of record-number serials this installation may hand out for one 12-digit prefix."""

    __tablename__ = "serial_block"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String(12), index=True)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # village-range | server | provisional
    created_at: Mapped[str] = mapped_column(String(32))


class MergeEvent(Base):
    __tablename__ = "merge_event"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    survivor_uuid: Mapped[str] = mapped_column(ForeignKey("resident.uuid"))
    duplicate_uuid: Mapped[str] = mapped_column(ForeignKey("resident.uuid"), index=True)
    moved_records: Mapped[str] = mapped_column(Text)  # JSON list of record uuids
    at: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))
    undone_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Redirect(Base):
    """A merged-away resident's uuid points to the survivor for good (until unmerged)."""

    __tablename__ = "redirect"
    old_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    new_uuid: Mapped[str] = mapped_column(String(36))
    at: Mapped[str] = mapped_column(String(32))


class SyncState(Base):
    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Conflict(Base):
    __tablename__ = "conflict"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_uuid: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(Text)
    original: Mapped[str] = mapped_column(Text)  # JSON values
    mine: Mapped[str] = mapped_column(Text)
    theirs: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[str] = mapped_column(String(32))
    resolved_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Draft(Base):
    """Unsaved form input kept across a closed window or a power cut (encrypted like the rest)."""

    __tablename__ = "draft"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    user: Mapped[str] = mapped_column(String(64))
    form: Mapped[str] = mapped_column(String(32))
    doc: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SyncEntity(Base):
    """What the county server last said about a resident or record: its revision and area there
    (for the drift check), and whether it left this clinic's jurisdiction (a read-only stub)."""

    __tablename__ = "sync_entity"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    rev: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(12))
    stub: Mapped[bool] = mapped_column(Boolean, default=False)
    h: Mapped[int] = mapped_column(BigInteger, default=0)  # its share of the drift-check hash


class Activity(Base):
    """One activity of the clinic itself (健康教育活动记录表, issue 16): not a resident's record.
    Never deleted: a mistaken entry is voided with its reason and stays listed as such."""

    __tablename__ = "activity"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    form: Mapped[str] = mapped_column(String(32))
    edition: Mapped[str] = mapped_column(String(8))
    visit_date: Mapped[str] = mapped_column(String(10), index=True)  # the activity's date
    doc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="final")  # final | voided
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    rev: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
