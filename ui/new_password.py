"""A new password typed twice, checked before anything is sent to the database worker; shared by
user management, the own-password dialog, the admin's reset and recovery with the code."""

from __future__ import annotations

from ui.qt import QFormLayout, QLineEdit, QWidget, tr


def min_length() -> int:
    from app.store import MIN_PASSWORD

    return MIN_PASSWORD


class NewPasswordFields:
    """Two password boxes added to a form layout: `first` and `repeat`."""

    def __init__(self, form: QFormLayout, parent: QWidget, label: str | None = None,
                 object_prefix: str = "new") -> None:  # fmt: skip
        self.label = label or tr("Password", "新密码")
        self.first = QLineEdit(parent)
        self.repeat = QLineEdit(parent)
        for name, w in ((f"{object_prefix}Password", self.first), (f"{object_prefix}Repeat", self.repeat)):
            w.setObjectName(name)
            w.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setPlaceholderText(tr("Password", "至少{0}个字符").format(min_length()))
        form.addRow(self.label, self.first)
        form.addRow(tr("Password", "再输一次"), self.repeat)

    def problem(self) -> tuple[str, QLineEdit] | None:
        """What is wrong, naming the box in Chinese, and the box to put the cursor in."""
        if not self.first.text():
            return tr("Password", "{0}：请填写").format(self.label), self.first
        from app.errors import InvalidInput
        from app.store import check_password

        try:  # the same policy the service applies (length, commonest passwords), said at once
            check_password(self.first.text())
        except InvalidInput as e:
            return tr("Password", "{0}：{1}").format(self.label, e.errors[0].message), self.first
        if self.repeat.text() != self.first.text():
            return tr("Password", "再输一次：与{0}不一样，请重新输入").format(self.label), self.repeat
        return None

    def text(self) -> str:
        return self.first.text()

    def clear(self) -> None:
        self.first.clear()
        self.repeat.clear()
