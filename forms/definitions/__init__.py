"""One module per standard form; importing this package registers them all, in every edition."""

from __future__ import annotations

from forms.codes import EDITIONS
from forms.definitions import followup, personal_info
from forms.registry import register

# Order of the 表单目录 (booklet order): cover, basic information, exams, follow-ups, others.
BUILDERS = (
    personal_info.build,
    followup.build_htn,
    followup.build_dm,
)

for _edition in EDITIONS:
    for _build in BUILDERS:
        register(_build(_edition))
