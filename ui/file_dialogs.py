"""Choosing a file or folder, always in Chinese.

On Windows the system's own dialog is used: on a Chinese Windows it is Chinese and familiar. Elsewhere
the system dialog follows the desktop's language (often English on a clinic's Linux machine), so Qt's
own dialog is used, translated by qtbase_zh_CN.qm; the labels that catalogue leaves in English
(Qt 6 added mnemonics to them, "&Look in:", "Files of &type:") are set here.
"""

from __future__ import annotations

import sys

from ui.qt import QFileDialog, QWidget, tr

Label = QFileDialog.DialogLabel


def use_native() -> bool:
    return sys.platform == "win32"


def make_dialog(parent: QWidget | None, title: str, folder: str = "", name_filter: str = "",
                mode: QFileDialog.FileMode = QFileDialog.FileMode.ExistingFile) -> QFileDialog:  # fmt: skip
    dialog = QFileDialog(parent, title, folder)
    dialog.setObjectName("fileDialog")
    dialog.setFileMode(mode)
    if mode == QFileDialog.FileMode.Directory:
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    if name_filter:
        dialog.setNameFilters(name_filter.split(";;"))
    if not use_native():
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setLabelText(Label.LookIn, tr("Files", "查找范围："))
        dialog.setLabelText(Label.FileName,
                            tr("Files", "文件夹：") if mode == QFileDialog.FileMode.Directory
                            else tr("Files", "文件名："))  # fmt: skip
        dialog.setLabelText(Label.FileType, tr("Files", "文件类型："))
        dialog.setLabelText(Label.Accept, tr("Files", "选择") if mode == QFileDialog.FileMode.Directory
                            else tr("Files", "打开"))  # fmt: skip
        dialog.setLabelText(Label.Reject, tr("Files", "取消"))
    return dialog


def open_file(parent: QWidget | None, title: str, folder: str = "", name_filter: str = "") -> str:
    """The chosen existing file, or "" when cancelled."""
    dialog = make_dialog(parent, title, folder, name_filter)
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]


def existing_folder(parent: QWidget | None, title: str, folder: str = "") -> str:
    """The chosen folder, or "" when cancelled."""
    dialog = make_dialog(parent, title, folder, mode=QFileDialog.FileMode.Directory)
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return ""
    return dialog.selectedFiles()[0]
