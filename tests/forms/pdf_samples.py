"""Small form definitions and residents for the PDF tests (until every real definition exists)."""

from __future__ import annotations

from forms.model import Code, CodeTable, Field, FormDef, Section


def _t(
    name: str, *pairs: str, exclusive: tuple[str, ...] = (), other: str | None = None
) -> CodeTable:
    codes = tuple(
        Code(p[: len(p) - len(p.lstrip("0123456789"))], p.lstrip("0123456789")) for p in pairs
    )
    return CodeTable(name, codes, exclusive, other)


TABLES = {
    "sex": _t("sex", "1男", "2女", "9未说明的性别", "0未知的性别"),
    "abo": _t("abo", "1A型", "2B型", "3O型", "4AB型", "5不详"),
    "rh": _t("rh", "1阴性", "2阳性", "3不详"),
    "payment": _t(
        "payment",
        "1城镇职工基本医疗保险",
        "2城镇居民基本医疗保险",
        "3新型农村合作医疗",
        "4贫困救助",
        "5商业医疗保险",
        "6全公费",
        "7全自费",
        "8其他",
        other="8",
    ),
    "allergy": _t(
        "allergy", "1无", "2青霉素", "3磺胺", "4链霉素", "5其他", exclusive=("1",), other="5"
    ),
    "disease": _t(
        "disease",
        "1无",
        "2高血压",
        "3糖尿病",
        "4冠心病",
        "5慢性阻塞性肺疾病",
        "6恶性肿瘤",
        "7脑卒中",
        "8严重精神障碍",
        "9结核病",
        "10肝炎",
        "11其他法定传染病",
        "12职业病",
        "13其他",
    ),
    "method": _t("method", "1门诊", "2家庭", "3电话"),
    "symptom": _t(
        "symptom",
        "1无症状",
        "2头痛头晕",
        "3恶心呕吐",
        "4眼花耳鸣",
        "5呼吸困难",
        "6心悸胸闷",
        "7鼻衄出血不止",
        "8四肢发麻",
        "9下肢水肿",
        exclusive=("1",),
    ),
    "adherence": _t("adherence", "1规律", "2间断", "3不服药"),
    "classification": _t("classification", "1控制满意", "2控制不满意", "3不良反应", "4并发症"),
}

SHEET = FormDef(
    code="t_sheet",
    title="个人基本信息表",
    edition="2017",
    code_tables=TABLES,
    sections=(
        Section(
            "basic",
            "基本信息",
            (
                Field("name", "姓名", "text", max_length=20),
                Field("sex", "性别", "code", codes="sex"),
                Field("birth_date", "出生日期", "date", layout={"digits": 8}),
                Field("id_number", "身份证号", "text", max_length=18),
                Field("blood_abo", "血型", "code", codes="abo"),
                Field("blood_rh", "RH", "code", codes="rh", layout={"join": " "}),
                Field(
                    "payment", "医疗费用支付方式", "multicode", codes="payment", layout={"boxes": 3}
                ),
                Field("payment_other", "其他支付方式", "text"),
                Field("drug_allergy", "药物过敏史", "multicode", codes="allergy"),
            ),
        ),
        Section(
            "history",
            "既往史",
            (
                Field(
                    "past_diseases",
                    "疾病",
                    "list",
                    item_fields=(
                        Field("id", "编号", "text"),
                        Field("code", "疾病", "code", codes="disease"),
                        Field("diagnosed", "确诊时间", "date"),
                    ),
                ),
                Field("surgery", "手术", "text", layout={"group": "手术外伤"}),
                Field("trauma", "外伤", "text", layout={"group": "手术外伤"}),
            ),
        ),
        Section(
            "exam",
            "一般状况",
            (
                Field("sbp_left", "血压（左侧）", "int", unit=None),
                Field("dbp_left", "舒张压", "int", unit="mmHg", layout={"join": "/"}),
                Field("height_cm", "身高", "decimal", unit="cm", decimals=1),
                Field("weight_kg", "体重", "decimal", unit="kg", decimals=1),
                Field("bmi", "体质指数", "decimal", unit="kg/m²", decimals=1, computed=True),
            ),
        ),
        Section("note", "备注", (Field("note", "备注", "text"),)),
    ),
)

COLUMNS = FormDef(
    code="t_columns",
    title="高血压患者随访服务记录表",
    edition="2017",
    code_tables=TABLES,
    layout="columns",
    visits_per_page=4,
    sections=(
        Section(
            "visit",
            "随访",
            (
                Field("visit_date", "随访日期", "date"),
                Field("visit_method", "随访方式", "code", codes="method"),
            ),
        ),
        Section(
            "symptoms",
            "症状",
            (
                Field("symptoms", "症状", "multicode", codes="symptom", layout={"boxes": 6}),
                Field("symptoms_other", "其他症状", "text"),
            ),
        ),
        Section(
            "signs",
            "体征",
            (
                Field("sbp", "血压", "int", unit="mmHg"),
                Field("dbp", "舒张压", "int", unit="mmHg", layout={"join": "/"}),
                Field("weight_kg", "体重", "decimal", unit="kg", decimals=1),
                Field("heart_rate", "心率", "int", unit="次/分"),
            ),
        ),
        Section(
            "drugs",
            "用药情况",
            (
                Field("medication_adherence", "服药依从性", "code", codes="adherence"),
                Field(
                    "medications",
                    "用药",
                    "list",
                    item_fields=(
                        Field("id", "编号", "text"),
                        Field("name", "药物名称", "text"),
                        Field("dose", "用法用量", "text"),
                    ),
                ),
                Field("classification", "此次随访分类", "code", codes="classification"),
                Field("next_visit_date", "下次随访日期", "date"),
                Field("doctor_signature", "随访医生签名", "text", layout={"signature": True}),
            ),
        ),
    ),
)

RESIDENT = {
    "uuid": "r-1",
    "record_no": "11010510100100023",
    "name": "张桂英",
    "sex": "2",
    "birth_date": "1952-03-14",
    "id_number": "11010519520314002X",
    "phone": "13800138000",
    "village": "001",
    "status": "在册",
    "address": "东风镇柳树村3组12号",
    "institution": "东风镇卫生院柳树村卫生室",
    "doctor": "李建国",
    "household_head": "王德福",
    "created_at": "2023-04-02T09:30:00",
    "doc": {
        "blood_abo": "1",
        "blood_rh": "2",
        "payment": ["3", "8"],
        "payment_other": "大病保险",
        "drug_allergy": ["2", "5"],
        "drug_allergy_other": "头孢类",
        "past_diseases": [
            {"id": "a1", "code": "2", "diagnosed": "2015-06"},
            {"id": "a2", "code": "3", "diagnosed": "2019-11"},
        ],
        "surgery": "阑尾切除术 1988年",
        "sbp_left": 148,
        "dbp_left": 92,
        "height_cm": 158.0,
        "weight_kg": 63.5,
        "bmi": 25.4,
        "note": "独居，子女在外地务工，每月回家一次。",
    },
}


def visits(n: int) -> list[dict]:
    out = []
    for i in range(n):
        out.append(
            {
                "uuid": f"v-{i}",
                "form": "t_columns",
                "edition": "2017",
                "visit_date": f"2024-{1 + 3 * (i % 4):02d}-1{i % 10}",
                "doc": {
                    "visit_date": f"2024-{1 + 3 * (i % 4):02d}-1{i % 10}",
                    "visit_method": str(1 + i % 3),
                    "symptoms": ["2", "6"] if i % 2 else ["1"],
                    "sbp": 130 + i,
                    "dbp": 82 + i,
                    "weight_kg": 63.0 + i / 2,
                    "heart_rate": 72 + i,
                    "medication_adherence": "1",
                    "medications": [
                        {"id": "m1", "name": "硝苯地平缓释片", "dose": "每日1次 每次20mg"}
                    ],
                    "classification": "1",
                    "next_visit_date": "2024-12-01",
                },
            }
        )
    return out
