"""The program's version: the one place it is written (pyproject.toml reads it from here, the
CLI's --version, the desktop's About box, backups and the upgrade check use it)."""

__version__ = "0.1.0"
