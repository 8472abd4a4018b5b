"""Filled example documents, one per form (valid in the 2017 edition), for tests, PDFs and the UI.

Each example belongs to the same made-up resident (female, born 1951-03-08) so they can be
printed together as one booklet. example() returns a fresh copy every call.
"""

from __future__ import annotations

import copy
from typing import Any

from forms.registry import UnknownForm

BIRTH_DATE = "1951-03-08"
SEX = "2"
ID_NUMBER = "110105195103082025"  # a made-up but well-formed GB 11643 number (female)
RECORD_NO = "11010500110100023"
TODAY = "2024-06-30"  # pass as ValidationContext(today=...) so examples never go stale

_EXAMPLES: dict[str, dict[str, Any]] = {
    "personal_info": {
        "name": "王秀兰",
        "sex": SEX,
        "birth_date": BIRTH_DATE,
        "id_number": ID_NUMBER,
        "work_unit": "无",
        "phone": "13800138000",
        "contact_name": "李建国",
        "contact_phone": "13900139000",
        "residence_type": "1",
        "ethnicity": "99",
        "ethnicity_other": "回族",
        "address": "北京市朝阳区某某乡李家村3组12号",
        "visit_date": "2021-04-12",
        "blood_abo": "2",
        "blood_rh": "2",
        "education": "8",
        "occupation": "4",
        "marital": "3",
        "payment": ["3", "8"],
        "payment_other": "大病保险",
        "drug_allergy": ["2", "5"],
        "drug_allergy_other": "头孢类",
        "exposure": ["1"],
        "past_diseases": [
            {"id": "d1", "code": "2", "diagnosed": "2009-05"},
            {"id": "d2", "code": "3", "diagnosed": "2015-10-20"},
            {"id": "d3", "code": "6", "diagnosed": "2018-03", "detail": "乳腺癌"},
        ],
        "surgery": "2",
        "surgery_items": [{"id": "s1", "name": "乳腺癌根治术", "date": "2018-04"}],
        "trauma": "1",
        "transfusion": "2",
        "transfusion_items": [{"id": "t1", "reason": "手术失血", "date": "2018-04"}],
        "family_father": ["2", "7"],
        "family_mother": ["3"],
        "family_siblings": ["1"],
        "family_children": ["12"],
        "family_children_other": "哮喘",
        "hereditary": "1",
        "disability": ["2"],
        "kitchen": "4",
        "fuel": "5",
        "water": "3",
        "toilet": "2",
        "livestock": "4",
    },
    "htn_followup": {
        "visit_date": "2024-04-15",
        "visit_method": "1",
        "symptoms": ["2", "6"],
        "symptoms_other": "夜间多梦",
        "sbp": 152,
        "dbp": 94,
        "weight_kg": 63.5,
        "weight_target_kg": 60,
        "bmi": 25.4,
        "bmi_target": 24,
        "heart_rate": 78,
        "signs_other": "双下肢无水肿",
        "smoking_per_day": 0,
        "smoking_target": 0,
        "drinking_per_day": 0.5,
        "drinking_target": 0,
        "exercise_times_week": 3,
        "exercise_minutes": 20,
        "exercise_times_target": 5,
        "exercise_minutes_target": 30,
        "salt_intake": "2",
        "salt_target": "1",
        "psychology": "1",
        "compliance": "2",
        "aux_exam": "心电图：窦性心律",
        "medication_adherence": "2",
        "adverse_reaction": "1",
        "classification": "2",
        "medications": [
            {"id": "m1", "name": "硝苯地平缓释片", "times_per_day": 2, "dose": 10},
            {"id": "m2", "name": "氢氯噻嗪片", "times_per_day": 1, "dose": 12.5},
        ],
        "next_visit_date": "2024-04-29",
        "doctor": "张医生",
    },
    "dm_followup": {
        "visit_date": "2024-05-06",
        "visit_method": "2",
        "symptoms": ["2", "4"],
        "sbp": 138,
        "dbp": 84,
        "weight_kg": 62.8,
        "weight_target_kg": 60,
        "bmi": 25.2,
        "bmi_target": 24,
        "heart_rate": 76,
        "foot_pulse": "2",
        "foot_pulse_side": "2",
        "smoking_per_day": 0,
        "smoking_target": 0,
        "drinking_per_day": 0,
        "drinking_target": 0,
        "exercise_times_week": 5,
        "exercise_minutes": 30,
        "exercise_times_target": 7,
        "exercise_minutes_target": 30,
        "staple_food_g": 300,
        "staple_food_target": 250,
        "psychology": "1",
        "compliance": "1",
        "fasting_glucose": 7.8,
        "hba1c": 7.4,
        "hba1c_date": "2024-04-20",
        "medication_adherence": "1",
        "adverse_reaction": "2",
        "adverse_reaction_other": "轻度腹胀",
        "hypoglycemia": "2",
        "classification": "3",
        "medications": [{"id": "m1", "name": "二甲双胍片", "times_per_day": 3, "dose": 500}],
        "insulin_type": "甘精胰岛素",
        "insulin_usage": "睡前皮下注射 10单位",
        "referral_reason": "",
        "next_visit_date": "2024-05-20",
        "doctor": "张医生",
    },
}


def example(code: str) -> dict[str, Any]:
    """A filled, valid document of the form (a fresh copy); raises UnknownForm if none."""
    if code not in _EXAMPLES:
        raise UnknownForm(code)
    return copy.deepcopy(_EXAMPLES[code])


def context() -> dict[str, str]:
    """The resident facts the examples assume, as ValidationContext keyword arguments."""
    return {"today": TODAY, "birth_date": BIRTH_DATE, "sex": SEX}
