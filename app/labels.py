"""The words a user reads for our internal codes: actions, roles, entities, field keys, values
and timestamps. Qt-free and database-free, so the desktop, the CLI and tests share one table."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

ROLES = {"admin": "管理员", "doctor": "医生", "nurse": "护士"}
USER_STATES = {"active": "正常", "disabled": "已停用"}

# Actions of the audit log and of versions (the history of one resident or record).
ACTIONS = {"init": "初始化", "login": "登录", "login_failed": "登录失败", "logout": "退出",
           "view": "查看", "create": "新建", "update": "修改", "status": "更改状态",
           "merge": "合并", "unmerge": "撤销合并", "print": "打印", "export": "导出",
           "import": "导入", "backup": "备份", "restore": "恢复备份", "user_add": "添加用户",
           "user_disable": "停用用户", "password_change": "修改密码",
           "password_reset": "重设密码", "recover": "用恢复代码重设密码", "sync": "同步",
           "resolve": "处理冲突", "conflict_resolve": "处理冲突", "check": "检查数据",
           "renumber": "更换档案编号", "key_rotate": "更换数据密钥",
           "recovery_code": "生成新的恢复代码", "upgrade": "升级数据"}  # fmt: skip
ENTITIES = {"resident": "居民档案", "record": "记录", "household": "家庭", "user": "用户",
            "setting": "设置", "activity": "健康教育活动"}  # fmt: skip
STATUSES = {"active": "在册", "moved": "迁出", "deceased": "死亡", "lost": "失访", "merged": "已合并"}

# Keys of resident rows and requests that are not form fields.
RESIDENT_KEYS = {"village": "村（居）委会代码", "household": "家庭", "status": "档案状态",
                 "status_date": "状态日期", "status_reason": "状态原因", "merged_into": "合并到",
                 "record_no": "档案编号", "resident": "居民", "form": "表单", "edition": "版本",
                 "label": "户名", "head": "户主", "reason": "原因或去向"}  # fmt: skip
SETTINGS = {"idle_lock_minutes": "自动锁定时间", "backup_dir": "备份文件夹", "sync_auto": "自动同步",
            "institution_name": "机构名称"}  # fmt: skip

# Audit details: what each key means and how its value reads.
DETAIL_KEYS = {"name": "用户", "role": "角色", "area": "区划代码", "what": "内容", "pages": "页数",
               "reason": "原因", "form": "表单", "village": "村", "auto": "自动备份",
               "keys": "设置项", "masked": "隐去身份证号", "bytes": "大小", "rev": "第几版",
               "fields": "涉及", "count": "数量", "households": "新建家庭", "format": "格式",
               "rows": "行数", "imported": "导入", "residents": "居民", "records": "记录",
               "problems": "问题", "pushed": "上传", "pulled": "下载", "conflicts": "冲突",
               "quarantined": "待处理", "repaired": "已修复", "records_moved": "转移记录",
               "survivor": "保留的档案", "duplicate": "重复档案", "field": "项目",
               "take": "采用", "enrolled": "注册本机", "record": "记录",
               "backup_created_at": "备份时间", "bulk": "一次查看人数", "members": "成员数",
               "blank": "空白表", "replaced_kept": "原数据保存在", "year": "年度",
               "population": "常住人口数", "old_population": "原常住人口数",
               "replaced_by_backup": "由备份替换", "anchor_problems": "审计日志异常",
               "accepted": "已确认的日志问题", "resealed": "获得新密钥的用户数",
               "stale": "须重设密码的用户", "recovery": "恢复代码", "held": "磁盘满时暂存、事后写入",
               "compromised": "原密码可能泄露", "from": "原数据版本", "to": "新数据版本",
               "program": "程序版本", "backup": "升级前备份"}  # fmt: skip
# What a key change did to the recovery code (app/services/rotation.py).
RECOVERY_STATES = {"new": "已换新代码", "stale": "已失效，须由管理员生成新代码"}
HIDDEN_DETAILS = {"db_sha256", "hash", "record", "replaced_head"}  # (a record is named in the 对象 column)
WHAT = {"history": "修改历史", "records": "记录列表", "card": "信息卡", "cover": "封面",
        "booklet": "档案册", "round_list": "随访名单", "indicators": "统计指标",
        "screen": "居民档案页", "growth": "生长发育评价"}  # fmt: skip
FAILURES = {"wrong_password": "密码错误", "disabled": "用户已停用", "unknown_user": "没有这个用户",
            "wrong_recovery_code": "恢复代码不正确", "dropped": "次数太多，未逐条记录",
            "throttled": "等待期间再次尝试", "stale": "数据密钥更换后密码待重设",
            # reasons of a key change (key_rotate)
            "user_disable": "停用用户", "password_compromised": "原密码可能泄露",
            "manual": "手动"}  # fmt: skip
# Who, when the audit names no user of ours: the recovery code's slot, or an unknown name.
NON_USERS = {"__recovery__": "（恢复代码）", "": "（未知用户）", "?": "（未知用户）"}
TAKE = {"mine": "本机的值", "theirs": "县平台的值", "value": "另填的值"}

EMPTY = ""
_KEY_IN_TEXT = re.compile(r"（([a-z][a-z0-9_]*(?:\[[^\]（）]*\])?(?:\.[a-z][a-z0-9_]*)*)）")


def shown(value: Any) -> str:
    """Any plain value as text: nothing for None, 是/否 for booleans (never None/True/False)."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def local_time(iso: str | None) -> str:
    """A stored timestamp (with its UTC offset) as this machine's local date and time."""
    if not iso:
        return EMPTY
    try:
        when = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso[:16].replace("T", " ")
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.strftime("%Y-%m-%d %H:%M")


def action(code: str | None) -> str:
    return ACTIONS.get(code or "", code or EMPTY)


def role(code: str | None) -> str:
    return ROLES.get(code or "", code or EMPTY)


@cache
def form_title(code: str) -> str:
    """The title of a form as printed on the paper (from forms/), e.g. 高血压患者随访服务记录表."""
    import forms

    try:
        return forms.get_form(code).title
    except forms.UnknownForm:
        return code


@cache
def field_label(key: str, form: str = "personal_info") -> str:
    """The Chinese label of a key: the form's field, then the resident row's, then any form's."""
    import forms

    top = re.split(r"[.\[]", key, maxsplit=1)[0]
    for code in (form, "personal_info", *forms.form_codes()):
        try:
            definition = forms.get_form(code)
        except forms.UnknownForm:
            continue
        if definition.has_field(top):
            return definition.field(top).label
        if code == form and top in RESIDENT_KEYS:
            break
    return RESIDENT_KEYS.get(top) or SETTINGS.get(top) or DETAIL_KEYS.get(top, key)


@cache
def _units() -> frozenset[str]:
    import forms

    return frozenset(f.unit for c in forms.form_codes() for f in forms.get_form(c).fields() if f.unit)


def without_keys(text: str) -> str:
    """A message with the "（field_key）" that scripts need taken out, for the desktop. Units in
    brackets, like "（kg）", stay."""
    return _KEY_IN_TEXT.sub(lambda m: m.group(0) if m.group(1) in _units() else "", text)


NO_VALUE = "（空）"  # inside "old → new", where an empty string would read as a typo


def _field_of(key: str, form: str) -> tuple[Any, Any] | None:
    import forms

    for code in (form, "personal_info"):
        try:
            definition = forms.get_form(code)
        except forms.UnknownForm:
            continue
        if definition.has_field(key):
            return definition, definition.field(key)
    return None


def value_text(key: str, value: Any, form: str = "personal_info") -> str:
    """A stored value as the doctor knows it: option names for codes, units for numbers."""
    if value is None or value == "" or value == []:
        return NO_VALUE
    if key == "status" and isinstance(value, str):
        return STATUSES.get(value, value)
    where = _field_of(key, form)
    if where is None:
        return _plain(value)
    return _typed(where[0], where[1], value)


def _typed(definition: Any, f: Any, value: Any) -> str:
    if f.type == "code" and isinstance(value, str):
        return _option(definition, f, value)
    if f.type == "multicode" and isinstance(value, list):
        return "、".join(_option(definition, f, str(c)) for c in value)
    if f.type == "list" and isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict):
                parts = [_typed(definition, g, item[g.key]) for g in f.item_fields
                         if item.get(g.key) not in (None, "", [])]  # fmt: skip
                items.append(" ".join(parts))
        return "；".join(i for i in items if i) or NO_VALUE
    if f.unit and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value}{f.unit}"
    return _plain(value)


def _option(definition: Any, f: Any, code: str) -> str:
    try:
        return definition.table(f).label(code) or code
    except KeyError:
        return code


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(_plain(v) for k, v in value.items() if k != "id" and v is not None)
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    return str(value)
