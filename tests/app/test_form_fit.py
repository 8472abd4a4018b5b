"""Which forms fit a resident (app.services.form_fit): the rule the chooser and warnings share."""

from __future__ import annotations

import datetime as dt

import forms
from app.services import form_fit

ON = dt.date(2026, 6, 1)


def test_every_form_is_either_a_visit_or_a_resident_form():
    assert sorted(form_fit.VISIT_FORMS + form_fit.RESIDENT_FORMS) == forms.form_codes()


def test_key_populations_and_age():
    htn_old = {"tags": ["htn"], "birth_date": "1958-04-12", "sex": "1"}
    assert form_fit.fitting_visit_forms(htn_old, ON)[:2] == ["htn_followup", "health_exam"]
    assert "elderly_selfcare" in form_fit.fitting_visit_forms(htn_old, ON)
    assert "糖尿病" in form_fit.why_not(htn_old, "dm_followup", ON)
    young = {"tags": "", "birth_date": "1995-01-20", "sex": "2"}
    assert form_fit.fitting_visit_forms(young, ON)[0] == "health_exam"
    assert "65" in form_fit.why_not(young, "elderly_selfcare", ON)
    # 65 on the day of the birthday, not the day before
    assert form_fit.fits({"birth_date": "1961-06-01"}, "elderly_selfcare", ON)
    assert not form_fit.fits({"birth_date": "1961-06-02"}, "elderly_selfcare", ON)
    assert not form_fit.fits({"birth_date": None}, "elderly_selfcare", ON)  # unknown age: not assumed
    assert form_fit.fits({"tags": "htn dm"}, "dm_followup", ON)  # the table's spelling too


def test_a_rule_for_one_sex(monkeypatch):
    monkeypatch.setitem(form_fit.RULES, "referral", form_fit.FitRule(sex="2"))
    assert form_fit.why_not({"sex": "1"}, "referral", ON) == "仅用于女性"
    assert form_fit.fits({"sex": "2"}, "referral", ON)
