"""Code tables printed the same way in the 2009/2011 and 2017 editions."""

from __future__ import annotations

from forms.codes.build import table, tables_by_name
from forms.model import Code, CodeTable


def _slots(name: str, *pairs: tuple[str, str]) -> CodeTable:
    """The columns of a child check sheet: the code is the age in months, the label the printed
    heading ("3月龄" cannot be written as paper text: its digits would be read as the code)."""
    return CodeTable(name, tuple(Code(c, label) for c, label in pairs))


TABLES = tables_by_name(
    # --- shared small tables
    table("none_have", "1无 2有"),
    table("none_have_detail", "1无 2有", other="2"),  # "2有____": the blank goes to <key>_other
    table("yes_no", "1是 2否"),
    table("no_yes", "1否 2是"),
    table("normal_abnormal", "1正常 2异常", other="2"),
    table("neg_pos", "1阴性 2阳性"),
    table("good_fair_poor", "1良好 2一般 3差"),
    # --- 个人基本信息表
    table("sex", "1男 2女 9未说明的性别 0未知的性别"),  # GB/T 2261.1
    table("residence_type", "1户籍 2非户籍"),
    table("blood_abo", "1A型 2B型 3O型 4AB型 5不详"),
    table(
        "occupation",
        "0国家机关、党群组织、企业、事业单位负责人 1专业技术人员 2办事人员和有关人员 "
        "3商业、服务业人员 4农、林、牧、渔、水利业生产人员 5生产、运输设备操作人员及有关人员 "
        "6军人 7不便分类的其他从业人员 8无职业",
    ),
    table("marital", "1未婚 2已婚 3丧偶 4离婚 5未说明的婚姻状况"),
    table(
        "payment",
        "1城镇职工基本医疗保险 2城镇居民基本医疗保险 3新型农村合作医疗 4贫困救助 "
        "5商业医疗保险 6全公费 7全自费 8其他",
        other="8",
    ),
    table("drug_allergy", "1无 2青霉素 3磺胺 4链霉素 5其他", exclusive=("1",), other="5"),
    table("exposure", "1无 2化学品 3毒物 4射线", exclusive=("1",)),
    table(
        "disability",
        "1无残疾 2视力残疾 3听力残疾 4言语残疾 5肢体残疾 6智力残疾 7精神残疾 8其他残疾",
        exclusive=("1",),
        other="8",
    ),
    table("kitchen", "1无 2油烟机 3换气扇 4烟囱"),
    table("toilet", "1卫生厕所 2一格或二格粪池式 3马桶 4露天粪坑 5简易棚厕"),
    # --- 高血压 / 2型糖尿病 随访
    table("visit_method", "1门诊 2家庭 3电话"),
    table(
        "htn_symptom",
        "1无症状 2头痛头晕 3恶心呕吐 4眼花耳鸣 5呼吸困难 6心悸胸闷 7鼻衄出血不止 8四肢发麻 9下肢水肿",
        exclusive=("1",),
    ),
    table(
        "dm_symptom",
        "1无症状 2多饮 3多食 4多尿 5视力模糊 6感染 7手脚麻木 8下肢浮肿 9体重明显下降",
        exclusive=("1",),
    ),
    table("salt", "1轻 2中 3重"),
    table("adherence", "1规律 2间断 3不服药"),
    table("classification", "1控制满意 2控制不满意 3不良反应 4并发症"),
    table("dm_foot_pulse", "1触及正常 2减弱 3消失"),
    table("side", "1双侧 2左侧 3右侧"),
    table("hypoglycemia", "1无 2偶尔 3频繁"),
    # --- 健康体检表
    table(
        "exam_symptom",
        "1无症状 2头痛 3头晕 4心悸 5胸闷 6胸痛 7慢性咳嗽 8咳痰 9呼吸困难 10多饮 11多尿 "
        "12体重下降 13乏力 14关节肿痛 15视力模糊 16手脚麻木 17尿急 18尿痛 19便秘 20腹泻 "
        "21恶心呕吐 22眼花 23耳鸣 24乳房胀痛 25其他",
        exclusive=("1",),
        other="25",
    ),
    table("self_health", "1满意 2基本满意 3说不清楚 4不太满意 5不满意"),
    table(
        "selfcare_level", "1可自理(0～3分) 2轻度依赖(4～8分) 3中度依赖(9～18分) 4不能自理(≥19分)"
    ),
    table("screen", "1粗筛阴性 2粗筛阳性"),
    table("exercise_freq", "1每天 2每周一次以上 3偶尔 4不锻炼"),
    table("diet", "1荤素均衡 2荤食为主 3素食为主 4嗜盐 5嗜油 6嗜糖"),
    table("smoking_status", "1从不吸烟 2已戒烟 3吸烟"),
    table("drinking_freq", "1从不 2偶尔 3经常 4每天"),
    table("alcohol_quit", "1未戒酒 2已戒酒"),
    table("alcohol_type", "1白酒 2啤酒 3红酒 4黄酒 5其他", other="5"),
    table("lips", "1红润 2苍白 3发绀 4皲裂 5疱疹"),
    table("dentition", "1正常 2缺齿 3龋齿 4义齿(假牙)", exclusive=("1",)),
    table("pharynx", "1无充血 2充血 3淋巴滤泡增生"),
    table("hearing", "1听见 2听不清或无法听见"),
    table("motor", "1可顺利完成 2无法独立完成任何一个动作"),
    table("skin", "1正常 2潮红 3苍白 4发绀 5黄染 6色素沉着 7其他", other="7"),
    table("sclera", "1正常 2黄染 3充血 4其他", other="4"),
    table("lymph", "1未触及 2锁骨上 3腋窝 4其他", other="4"),
    table("rales", "1无 2干罗音 3湿罗音 4其他", other="4"),
    table("rhythm", "1齐 2不齐 3绝对不齐"),
    table("edema", "1无 2单侧 3双侧不对称 4双侧对称"),
    table("exam_foot_pulse", "1未触及 2触及双侧对称 3触及左侧弱或消失 4触及右侧弱或消失"),
    table("dre", "1未及异常 2触痛 3包块 4前列腺异常 5其他", other="5"),
    table("breast", "1未见异常 2乳房切除 3异常泌乳 4乳腺包块 5其他", exclusive=("1",), other="5"),
    table("gyn", "1未见异常 2异常", other="2"),
    table(
        "cerebrovascular",
        "1未发现 2缺血性卒中 3脑出血 4蛛网膜下腔出血 5短暂性脑缺血发作 6其他",
        exclusive=("1",),
        other="6",
    ),
    table(
        "kidney",
        "1未发现 2糖尿病肾病 3肾功能衰竭 4急性肾炎 5慢性肾炎 6其他",
        exclusive=("1",),
        other="6",
    ),
    table(
        "heart",
        "1未发现 2心肌梗死 3心绞痛 4冠状动脉血运重建 5充血性心力衰竭 6心前区疼痛 7其他",
        exclusive=("1",),
        other="7",
    ),
    table("vascular", "1未发现 2夹层动脉瘤 3动脉闭塞性疾病 4其他", exclusive=("1",), other="4"),
    table(
        "eye",
        "1未发现 2视网膜出血或渗出 3视乳头水肿 4白内障 5其他",
        exclusive=("1",),
        other="5",
    ),
    table("found", "1未发现 2有", other="2"),
    table("evaluation", "1体检无异常 2有异常"),
    table(
        "risk_control",
        "1戒烟 2健康饮酒 3饮食 4锻炼 5减体重 6建议接种疫苗 7其他",
        other="7",
    ),
    # --- 老年人生活自理能力评估表: one level per item; scores live in the definition
    table("selfcare_item", "1可自理 2轻度依赖 3中度依赖 4不能自理"),
    # --- 双向转诊单
    table("referral_type", "1转出 2回转"),
    # --- 居民健康档案信息卡: the chronic-disease tick set is [U] in the reference
    table(
        "card_chronic",
        "1无 2高血压 3糖尿病 4脑卒中 5冠心病 6哮喘 7职业病 8其他",
        exclusive=("1",),
        other="8",
    ),
    # --- 老年人中医药健康管理服务记录表 (programme-forms.md §14 [C2]; the service was
    # added in 2013, under the second edition, with the same form)
    # the words under each heading (根本不/从来没有 ...) are in the form's layout: short options
    # keep the 33 rows of the editor within a laptop screen
    table("tcm_scale", "1没有 2很少 3有时 4经常 5总是"),
    table("tcm_biased", "1是 2倾向是 3否"),
    table("tcm_balanced", "1是 2基本是 3否"),
    table("tcm_guidance", "1情志调摄 2饮食调养 3起居调摄 4运动保健 5穴位保健 6其他", other="6"),
    table(
        "tcm_type", "1气虚质 2阳虚质 3阴虚质 4痰湿质 5湿热质 6血瘀质 7气郁质 8特禀质 9平和质"
    ),
    # --- 严重精神障碍 (programme-forms.md §10-11 [C2])
    table("smi_household", "1城镇 2农村"),
    table(
        "smi_employment",
        "1在岗工人 2在岗管理者 3农民 4下岗或无业 5在校学生 6退休 7专业技术人员 8其他 9不详",
    ),
    table("smi_consent", "1同意参加管理 2不同意参加管理"),
    table(
        "smi_symptom",
        "1幻觉 2交流困难 3猜疑 4喜怒无常 5行为怪异 6兴奋话多 7伤人毁物 8悲观厌世 9无故外走 "
        "10自语自笑 11孤僻懒散 12其他",
        other="12",
    ),
    table("smi_lock", "1无关锁 2关锁 3关锁已解除"),
    table("smi_outpatient", "1未治 2间断门诊治疗 3连续门诊治疗"),
    table("smi_effect_past", "1临床痊愈 2好转 3无变化 4加重"),
    table("smi_economy", "1贫困，在当地贫困线标准以下 2非贫困"),
    table("smi_visit_form", "1门诊 2家庭访视 3电话"),
    table("smi_lost_reason", "1外出打工 2迁居他处 3走失 4连续3次未到访 5其他", other="5"),
    table(
        "smi_death_cause",
        "1躯体疾病 2自杀 3他杀 4意外 5精神疾病相关并发症 6其他",
        other="6",
    ),
    table(
        "smi_body_disease",
        "1传染病和寄生虫病 2肿瘤 3心脏病 4脑血管病 5呼吸系统疾病 6消化系统疾病 7其他疾病 8不详",
    ),
    table("smi_risk_level", "0（0级） 1（1级） 2（2级） 3（3级） 4（4级） 5（5级）"),
    table("smi_insight", "1自知力完全 2自知力不全 3自知力缺失"),
    table("good_fair_worse", "1良好 2一般 3较差"),
    table("good_fair_worse_na", "1良好 2一般 3较差 9此项不适用"),
    table("smi_hospital", "0未住院 1目前正在住院 2曾住院，现未住院"),
    table("smi_adherence", "1按医嘱规律用药 2间断用药 3不用药 4医嘱勿需用药"),
    table("smi_adverse", "1无 2有 9此项不适用", other="2"),
    table("smi_effect", "1痊愈 2好转 3无变化 4加重 9此项不适用"),
    table("smi_rehab", "1生活劳动能力 2职业训练 3学习能力 4社会交往 5其他", other="5"),
    table("smi_classification", "1不稳定 2基本稳定 3稳定"),
    # --- 肺结核 (programme-forms.md §12-13 [C2])
    table("tb_visit_place", "1门诊 2家庭"),
    table("tb_patient_type", "1初治 2复治"),
    table("tb_sputum", "1阳性 2阴性 3未查痰"),
    table("tb_resistance", "1耐药 2非耐药 3未检测"),
    table(
        "tb_symptom_first",
        "0没有症状 1咳嗽咳痰 2低热盗汗 3咯血或血痰 4胸痛消瘦 5恶心纳差 6头痛失眠 7视物模糊 "
        "8皮肤瘙痒、皮疹 9耳鸣、听力下降",
        exclusive=("0",),
    ),
    # the follow-up form inserts 6关节疼痛, so its codes differ from the first visit's
    table(
        "tb_symptom",
        "0没有症状 1咳嗽咳痰 2低热盗汗 3咯血或血痰 4胸痛消瘦 5恶心纳差 6关节疼痛 7头痛失眠 "
        "8视物模糊 9皮肤瘙痒、皮疹 10耳鸣、听力下降",
        exclusive=("0",),
    ),
    table("tb_usage", "1每日 2间歇"),
    table("tb_dosage_form", "1固定剂量复合制剂 2散装药 3板式组合药 4注射剂"),
    table("tb_supervisor", "1医生 2家属 3自服药 4其他", other="4"),
    table("have_not", "1有 2无"),
    table("tb_ventilation", "1良好 2一般 3差"),
    table("mastered", "1掌握 2未掌握"),
    table("tb_stop_reason", "1完成疗程 2死亡 3丢失 4转入耐多药治疗"),
    # --- 孕产妇健康管理 (programme-forms.md §6-9; option lists [C] for 2011 wording, [U] for 2017)
    table("unremarkable", "1未见异常 2异常", other="2"),
    table(
        "mat_past_history",
        "1无 2心脏病 3肾脏疾病 4肝脏疾病 5高血压 6贫血 7糖尿病 8其他",
        exclusive=("1",),
        other="8",
    ),
    table("vaginal_discharge", "1未见异常 2滴虫 3假丝酵母菌 4其他", exclusive=("1",), other="4"),
    table("vaginal_cleanliness", "1Ⅰ度 2Ⅱ度 3Ⅲ度 4Ⅳ度"),
    table("prenatal_visit_kind", "1随访 2督促"),
    # 第2～5次 指导: the 4th/5th visit's list, the widest; the 2nd and 3rd print fewer options
    table(
        "prenatal_guidance",
        "1个人卫生 2膳食 3心理 4运动 5自我监测 6分娩准备 7母乳喂养 8其他",
        other="8",
    ),
    table("postpartum_guidance", "1个人卫生 2心理 3营养 4母乳喂养 5新生儿护理与喂养 6其他", other="6"),
    table("recovered", "1已恢复 2未恢复", other="2"),
    table("postpartum_outcome", "1结案 2转诊"),
    # --- 0～6岁儿童健康管理 (programme-forms.md §1-5): the columns of each sheet (code = age in
    # months), then the option lists printed the same in both editions
    _slots("child_slot_1_8m", ("1", "满月"), ("3", "3月龄"), ("6", "6月龄"), ("8", "8月龄")),
    _slots("child_slot_12_30m", ("12", "12月龄"), ("18", "18月龄"), ("24", "24月龄"), ("30", "30月龄")),
    _slots("child_slot_3_6y", ("36", "3岁"), ("48", "4岁"), ("60", "5岁"), ("72", "6岁")),
    _slots("child_slot_tcm", ("6", "6月龄"), ("12", "12月龄"), ("18", "18月龄"), ("24", "24月龄"),
           ("30", "30月龄"), ("36", "36月龄")),  # fmt: skip
    table("growth_level", "1上 2中 3下"),
    table("growth_eval", "1正常 2低体重 3消瘦 4发育迟缓 5超重"),
    table("pass_fail", "1通过 2未通过"),
    table("newborn_hearing", "1通过 2未通过 3未筛查 4不详"),
    table("feeding", "1纯母乳 2混合 3人工"),
    table(
        "birth_mode", "1顺产 2胎头吸引 3产钳 4剖宫 5双多胎 6臀位 7其他", other="7"
    ),
    table("complexion_newborn", "1红润 2黄染 3其他", other="3"),
    table("complexion_child", "1红润 2其他", other="2"),
    table("fontanelle", "1正常 2膨隆 3凹陷 4其他", other="4"),
    table("fontanelle_closed", "1闭合 2未闭"),
    table("newborn_skin", "1未见异常 2湿疹 3糜烂 4其他", exclusive=("1",), other="4"),
    table("umbilical", "1未脱 2脱落 3脐部有渗出 4其他", other="4"),
    table("rickets_symptoms", "1无 2夜惊 3多汗 4烦躁", exclusive=("1",)),
    table("rickets_signs_3m", "1无 2颅骨软化"),
    table("rickets_signs_6m", "1肋串珠 2肋外翻 3肋软骨沟 4鸡胸 5手镯征"),
    # 发育评估: the warning signs of each age (儿童心理行为发育问题预警征象), ticked when present
    table("dev_3m", "1对很大声音没有反应 2逗引时不发音或不会微笑 3不注视人脸，不追视移动人或物品 "
          "4俯卧时不会抬头"),  # fmt: skip
    table("dev_6m", "1发音少，不会笑出声 2不会伸手抓物 3紧握拳松不开 4不能扶坐"),
    table("dev_8m", "1听到声音无应答 2不会区分生人和熟人 3双手间不会传递玩具 4不会独坐"),
    table("dev_12m", "1呼唤名字无反应 2不会模仿“再见”或“欢迎”动作 3不会用拇食指对捏小物品 "
          "4不会扶物站立"),  # fmt: skip
    table("dev_18m", "1不会有意识叫“爸爸”或“妈妈” 2不会按要求指人或物 3与人无目光交流 4不会独走"),
    table("dev_24m", "1不会说3个物品的名称 2不会按吩咐做简单事情 3不会用勺吃饭 "
          "4不会扶栏上楼梯/台阶"),  # fmt: skip
    table("dev_30m", "1不会说2～3个字的短语 2兴趣单一、刻板 3不会示意大小便 4不会跑"),
    table("dev_36m", "1不会说自己的名字 2不会玩“拿棍当马骑”等假想游戏 3不会模仿画圆 4不会双脚跳"),
    table("dev_48m", "1不会说带形容词的句子 2不能按要求等待或轮流 3不会独立穿衣 4不会单脚站立"),
    table("dev_60m", "1不能简单叙说事情经过 2不知道自己的性别 3不会用筷子吃饭 4不会单脚跳"),
    table("dev_72m", "1不会表达自己的感受或想法 2不会玩角色扮演的集体游戏 3不会画方形 4不会奔跑"),
    # 中医药健康管理服务: option 3 names the method taught at that age (§5 [C2 P10]); the codes
    # are the same at every age, only the printed words of 3 differ
    table("child_tcm_massage", "1中医饮食调养指导 2中医起居调摄指导 3传授摩腹和捏脊方法 4其他",
          other="4"),  # fmt: skip
    table("child_tcm_points", "1中医饮食调养指导 2中医起居调摄指导 3传授按揉迎香穴、足三里穴方法 "
          "4其他", other="4"),  # fmt: skip
    table("child_tcm_sishencong", "1中医饮食调养指导 2中医起居调摄指导 3传授按揉四神聪穴方法 4其他",
          other="4"),  # fmt: skip
)
