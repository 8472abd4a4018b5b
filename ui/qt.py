"""The one module that imports PySide6; every other ui module imports Qt names from here."""

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401
from PySide6.QtCore import (  # noqa: F401
    QAbstractTableModel,
    QCoreApplication,
    QDate,
    QModelIndex,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QFont, QFontDatabase, QKeySequence  # noqa: F401
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget  # noqa: F401
