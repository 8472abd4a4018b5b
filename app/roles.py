"""Who may do what: one matrix, read by the services (which refuse), the CLI and the desktop
client (which leave out or grey what a role may not do). Nurses and doctors get what their day
needs: registering, recording visits, printing cards and blank sheets, syncing; what takes data
away in bulk or changes who can see it is for fewer people. docs/decisions/custody.md shows it
as a table; tests/app/test_roles.py walks every cell."""

from __future__ import annotations

from typing import Any, Protocol

from app.errors import AuthError
from app.labels import ROLES


class Store(Protocol):
    """What the matrix needs of an opened store (the store itself asks the matrix at login,
    so app.store is not imported here)."""

    @property
    def user(self) -> Any: ...

ADMIN, DOCTOR, NURSE = "admin", "doctor", "nurse"

MATRIX: dict[str, frozenset[str]] = {
    "manage_users": frozenset({ADMIN}),  # add, disable, reset a password
    "settings": frozenset({ADMIN}),
    "enroll": frozenset({ADMIN}),  # register with the county server: every record goes there
    "restore": frozenset({ADMIN}),
    "audit_log": frozenset({ADMIN}),
    "merge": frozenset({ADMIN}),  # merge and unmerge duplicate records
    "export": frozenset({ADMIN, DOCTOR}),
    "import": frozenset({ADMIN, DOCTOR}),
    "print_full_id": frozenset({ADMIN, DOCTOR}),  # forms and booklets with the whole ID number
    "print_village": frozenset({ADMIN, DOCTOR}),  # a whole village at once: an export on paper
    "change_status": frozenset({ADMIN, DOCTOR}),  # moved, deceased, lost
    "backup": frozenset({ADMIN, DOCTOR}),  # by hand (the daily backup at closing is automatic)
    # 严重精神障碍 and 肺结核 records, tags, list filters and due items (issue 16)
    "sensitive_programmes": frozenset({ADMIN, DOCTOR}),
}
WHAT = {"manage_users": "管理用户", "settings": "修改设置", "enroll": "注册到县平台",
        "restore": "恢复备份", "audit_log": "查看审计日志", "merge": "合并或撤销合并档案",
        "export": "导出数据", "import": "导入数据", "print_full_id": "打印完整身份证号",
        "print_village": "整村打印", "change_status": "更改档案状态",
        "backup": "手动备份", "sensitive_programmes": "查看严重精神障碍和肺结核患者信息"}  # fmt: skip

# What "sensitive_programmes" covers: the forms, the resident tags (list filters) and the
# programmes of the due list. Whoever may not see them sees the resident as if they had none.
SENSITIVE_FORMS = frozenset({"smi_supplement", "smi_followup", "tb_first_visit", "tb_followup"})
SENSITIVE_TAGS = frozenset({"smi", "tb"})
SENSITIVE_PROGRAMMES = frozenset({"smi", "tb"})


def allowed(role: str, action: str) -> bool:
    return role in MATRIX[action]


def refusal(action: str) -> str:
    """The Chinese message naming the action and who may do it."""
    who = "或".join(ROLES[r] for r in (ADMIN, DOCTOR, NURSE) if r in MATRIX[action])
    return f"{WHAT[action]}需要{who}权限"


def require(store: Store, action: str) -> None:
    """AuthError unless the logged-in user's role may do `action`."""
    if not allowed(store.user.role, action):
        raise AuthError(refusal(action))


def sees_sensitive(store: Store) -> bool:
    """May the logged-in user see 严重精神障碍 and 肺结核 records (the matrix's sensitive_programmes)."""
    return allowed(store.user.role, "sensitive_programmes")


def shown_tags(store: Store, tags: list[str]) -> list[str]:
    """The tags the user may see: the sensitive ones left out unless the role allows them."""
    return tags if sees_sensitive(store) else [t for t in tags if t not in SENSITIVE_TAGS]


def require_form(store: Store, form: str) -> None:
    """AuthError for a sensitive programme's form unless the role may see it."""
    if form in SENSITIVE_FORMS:
        require(store, "sensitive_programmes")
