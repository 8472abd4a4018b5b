"""Code tables whose codes or labels are particular to the 2017 (third) edition."""

from __future__ import annotations

from forms.codes.build import table, tables_by_name

_DISEASES = (
    "2高血压 3糖尿病 4冠心病 5慢性阻塞性肺疾病 6恶性肿瘤 7脑卒中 8严重精神障碍 9结核病 10肝炎"
)

TABLES = tables_by_name(
    table("ethnicity", "01汉族 99少数民族", other="99"),  # 99: the minority's name in <key>_other
    table("blood_rh", "1阴性 2阳性 3不详"),
    table(
        "education",
        "1研究生 2大学本科 3大学专科和专科学校 4中等专业学校 5技工学校 6高中 7初中 8小学 "
        "9文盲或半文盲 10不详",
    ),
    table("fuel", "1液化气 2煤 3天然气 4沼气 5柴火 6其他"),
    table("water", "1自来水 2经净化过滤的水 3井水 4河湖水 5塘水 6其他"),
    table("livestock", "1无 2单设 3室内 4室外"),
    table("health_guidance", "1纳入慢性病患者健康管理 2建议复查 3建议转诊"),
    table(
        "past_disease",
        f"1无 {_DISEASES} 11其他法定传染病 12职业病 13其他",
        exclusive=("1",),
    ),
    table("family_disease", f"1无 {_DISEASES} 11先天畸形 12其他", exclusive=("1",), other="12"),
    # 严重精神障碍 危险行为: 2017 inserted 4其他危害行为 and moved 无 to 7 (programme-forms.md §10)
    table(
        "smi_risk_behavior",
        "1轻度滋事 2肇事 3肇祸 4其他危害行为 5自伤 6自杀未遂 7无",
        exclusive=("7",),
    ),
    # 孕产妇 (programme-forms.md §6, §9): the 2017 lists as commonly printed [U]
    table("mat_family_history", "1无 2遗传性疾病史 3精神疾病史 4其他", exclusive=("1",), other="4"),
    table(
        "mat_personal_history",
        "1无特殊 2吸烟 3饮酒 4服用药物 5接触有毒有害物质 6接触放射线 7其他",
        exclusive=("1",),
        other="7",
    ),
    table(
        "first_prenatal_guidance",
        "1生活方式 2心理 3营养 4避免致畸因素和疾病对胚胎的不良影响 5产前筛查宣传告知 6其他",
        other="6",
    ),
    table(
        "postpartum42_guidance",
        "1心理保健 2性保健与避孕 3婴儿喂养 4婴幼儿营养 5其他",
        other="5",
    ),
    # 0～6岁儿童 (programme-forms.md §1-4): the 2017 lists as commonly printed [U]
    table("mother_disease", "1无 2糖尿病 3妊娠期高血压 4其他", other="4"),
    table(
        "newborn_screening",
        "1未进行 2检查均阴性 3甲低 4苯丙酮尿症 5其他遗传代谢病",
        exclusive=("1", "2"),
        other="5",
    ),
    table("jaundice", "1无 2面部 3躯干 4四肢 5手足", exclusive=("1",)),
    table("stool", "1糊状 2稀 3其他", other="3"),
    table("newborn_guidance", "1喂养指导 2发育指导 3防病指导 4预防伤害指导 5口腔保健指导 6其他",
          other="6"),  # fmt: skip
    table("child_illness", "1无 2肺炎 3腹泻 4外伤 5其他", exclusive=("1",), other="5"),
    table("child_guidance_feeding", "1科学喂养 2生长发育 3疾病预防 4预防伤害 5口腔保健 6其他",
          other="6"),  # fmt: skip
    table("child_guidance_diet", "1合理膳食 2生长发育 3疾病预防 4预防伤害 5口腔保健 6其他",
          other="6"),  # fmt: skip
    table("child_rickets_legs", "1无 2“X”型腿 3“O”型腿"),
)
