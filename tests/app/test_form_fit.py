"""Which forms to offer a resident (app.services.form_fit): the order, and the one rule shared
with the warnings asked at saving (record_warnings.form_fit)."""

from __future__ import annotations

import datetime as dt

import forms
from app.services import form_fit

ON = dt.date(2026, 6, 1)


def test_every_form_is_either_a_visit_or_a_resident_form():
    assert sorted(form_fit.VISIT_FORMS + form_fit.RESIDENT_FORMS) == forms.resident_form_codes()


def test_key_populations_and_age():
    htn_old = {"tags": ["htn"], "birth_date": "1958-04-12", "sex": "1"}
    assert form_fit.fitting_visit_forms(htn_old, ON)[:2] == ["htn_followup", "health_exam"]
    assert "elderly_selfcare" in form_fit.fitting_visit_forms(htn_old, ON)
    assert "糖尿病" in form_fit.why_not(htn_old, "dm_followup", ON)
    young = {"tags": "", "birth_date": "1995-01-20", "sex": "2"}
    assert form_fit.fitting_visit_forms(young, ON) == ["health_exam", "prenatal_first", "prenatal_followup",
                                                       "postpartum_visit", "postpartum_42d", "pregnancy_outcome",
                                                       "encounter",
                                                       "consultation", "referral", "tb_first_visit"]  # fmt: skip
    man = young | {"sex": "1"}
    assert "女" in form_fit.why_not(man, "prenatal_first", ON)
    assert "女" in form_fit.why_not(man, "pregnancy_outcome", ON)
    assert "70岁" in form_fit.why_not({"sex": "2", "birth_date": "1956-01-01"}, "postpartum_visit", ON)
    assert "65" in form_fit.why_not(young, "elderly_selfcare", ON)
    assert "65" in form_fit.why_not(young, "elderly_tcm", ON)
    assert "严重精神障碍" in form_fit.why_not(young, "smi_followup", ON)
    assert "肺结核" in form_fit.why_not(young, "tb_followup", ON)
    smi = {"tags": ["smi"], "birth_date": "1985-01-20", "sex": "1"}
    assert form_fit.fitting_visit_forms(smi, ON)[0] == "smi_followup"
    assert "smi_supplement" in form_fit.fitting_visit_forms(smi, ON)
    # 65 on the day of the birthday, not the day before
    assert form_fit.fits({"birth_date": "1961-06-01"}, "elderly_selfcare", ON)
    assert not form_fit.fits({"birth_date": "1961-06-02"}, "elderly_selfcare", ON)
    assert form_fit.fits({"tags": "htn dm"}, "dm_followup", ON)  # the table's spelling too


def test_the_chooser_and_the_save_warning_agree():
    from app.services.record_warnings import ResidentFacts, warnings_for

    young = {"tags": "", "birth_date": "1995-01-20", "sex": "1"}
    for form in form_fit.VISIT_FORMS:
        asked = [w for w in warnings_for(form, {"visit_date": ON.isoformat()}, ResidentFacts.of(young),
                                         today=ON) if w.code == "form_not_fit"]  # fmt: skip
        assert bool(asked) == (not form_fit.fits(young, form, ON)), form
