"""The PySide6 desktop client. `ui/qt.py` is the only module that imports PySide6."""
