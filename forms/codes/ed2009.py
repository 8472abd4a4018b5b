"""Code tables of the 2009/2011 editions that differ from 2017 (old records print with these).

Sources (reference/standard-forms.md §1.2, §2.2): 民族 1汉族 2少数民族; RH asked as "RH阴性"
1否 2是 3不详 (meaning inverted against 2017); 文化程度 in the reverse order [U exact list];
禽畜栏 with 无 last; 燃料/饮水 其他 coded 9; 健康指导 with 1定期随访; 重性精神疾病 wording.
"""

from __future__ import annotations

from forms.codes.build import table, tables_by_name

_DISEASES = (
    "2高血压 3糖尿病 4冠心病 5慢性阻塞性肺疾病 6恶性肿瘤 7脑卒中 8重性精神疾病 9结核病 10肝炎"
)

TABLES = tables_by_name(
    table("ethnicity", "1汉族 2少数民族", other="2"),
    table("blood_rh", "1否 2是 3不详"),
    table("education", "1文盲及半文盲 2小学 3初中 4高中/技校/中专 5大学专科及以上 6不详"),
    table("fuel", "1液化气 2煤 3天然气 4沼气 5柴火 9其他"),
    table("water", "1自来水 2经净化过滤的水 3井水 4河湖水 5塘水 9其他"),
    table("livestock", "1单设 2室内 3室外 4无"),
    table("health_guidance", "1定期随访 2纳入慢性病患者健康管理 3建议复查 4建议转诊"),
    table(
        "past_disease",
        f"1无 {_DISEASES} 11其他法定传染病 12职业病 13其他",
        exclusive=("1",),
    ),
    table("family_disease", f"1无 {_DISEASES} 11先天畸形 12其他", exclusive=("1",), other="12"),
    # 2011 健康体检表 中医体质辨识 (deleted in 2017) [U exact codes]
    table("tcm_balanced", "1是 2基本是"),
    table("tcm_biased", "1是 2倾向是"),
    # 重性精神疾病 患病对家庭社会的影响 (2011) [C P2]
    table("smi_risk_behavior", "1轻度滋事 2肇事 3肇祸 4自伤 5自杀未遂 6无", exclusive=("6",)),
    # 孕产妇 (2011 print templates, programme-forms.md §6, §9 [C P2])
    table("mat_family_history", "1遗传性疾病史 2精神疾病史 3其他", other="3"),
    table(
        "mat_personal_history",
        "1吸烟 2饮酒 3服用药物 4接触有毒有害物质 5接触放射线 6其他",
        other="6",
    ),
    table(
        "first_prenatal_guidance",
        "1个人卫生 2心理 3营养 4避免致畸因素和疾病对胚胎的不良影响 5产前筛查宣传告知 6其他",
        other="6",
    ),
    table("postpartum42_guidance", "1性保健 2避孕 3婴儿喂养及营养 4其他", other="4"),
    # 0～6岁儿童 (2011 print templates, programme-forms.md §1-4 [C P2]); 指导 其他 and the 患病
    # counts of 2017 have no place on these sheets
    table("mother_disease", "1糖尿病 2妊娠期高血压 3其他", other="3"),
    table("newborn_screening", "1甲低 2苯丙酮尿症 3其他遗传代谢病", other="3"),
    table("jaundice", "1面部 2躯干 3四肢 4手足"),
    table("stool", "1糊状 2稀"),
    table("newborn_guidance", "1喂养指导 2发育指导 3防病指导 4预防伤害指导 5口腔保健指导"),
    table("child_illness", "1未患病 2患病", other="2"),
    table("child_guidance_feeding", "1科学喂养 2生长发育 3疾病预防 4预防意外伤害 5口腔保健"),
    table("child_guidance_diet", "1合理膳食 2生长发育 3疾病预防 4预防意外伤害 5口腔保健"),
    table("child_rickets_legs", "1“O”型腿 2“X”型腿"),
)
