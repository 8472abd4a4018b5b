"""The one writer of residents, records and households: the only code that changes their rows.

Every change goes through `apply` (one entity's new state) or `commit` (an entity the caller
changed in place) of residents.py, records.py or households.py, or through batch.py (imports and
pulled pages, thousands of rows per statement). The `Origin` of a change decides what is written
beside the row: a version (whose name it carries), an outbox row (sync sends it) and an audit
entry; see origin.py. Each writer returns an `Applied` saying what changed.
"""

from app.repo.origin import Applied, Origin

__all__ = ["Applied", "Origin"]
