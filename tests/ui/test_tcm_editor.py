"""The TCM constitution form in the generated editor: 33 questions answerable on a laptop
screen, the scores and judgements appear as the last question is answered."""

from __future__ import annotations

import forms
from forms.examples import example
from forms.model import ValidationContext
from tests.ui.helpers import screenshot
from ui.form_editor import FormEditor


def test_scores_appear_when_every_question_is_answered(qtbot):
    w = FormEditor(forms.get_form("elderly_tcm"), ValidationContext(birth_date="1950-01-01"))
    qtbot.addWidget(w)
    w.resize(1366, 700)
    w.show()
    doc = example("elderly_tcm")
    doc.pop("q33")
    w.load(doc)
    w.refresh_computed()
    def shown(key: str):
        return w.widgets[key].value()

    assert shown("qixu_score") is None
    w.set_value("q33", "1")
    w.refresh_computed()
    assert (shown("qixu_score"), shown("qixu_result"), shown("pinghe_score")) == (11, "1", 18)
    # question 9 follows the measured BMI, whatever was clicked
    w.set_value("q9", "4")
    w.set_value("bmi", 28.4)
    w.refresh_computed()
    assert shown("q9") == "5" and shown("tanshi_score") == 8
    screenshot(w, "tcm-editor")
    assert w.validate() == []
