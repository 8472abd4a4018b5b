"""Fixtures for the desktop client tests: the Chinese-ready QApplication and typing helpers."""

from __future__ import annotations

import pytest

from ui.qt import QApplication


@pytest.fixture(scope="session")
def qapp_cls():
    return QApplication


@pytest.fixture(scope="session", autouse=True)
def _chinese_app(qapp):
    from ui.app import make_application

    make_application()
