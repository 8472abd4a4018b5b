"""Where the data lives by default: per user on Linux; on Windows one folder for the machine
(platformdirs' site data folder, C:\\ProgramData\\Cunyi) shared by every staff account."""

from __future__ import annotations

import platformdirs

from app import paths


def test_linux_keeps_the_data_per_user(monkeypatch, tmp_path):
    monkeypatch.delenv("CUNYI_DATA_DIR", raising=False)
    monkeypatch.setattr(paths, "machine_wide", lambda: False)
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "home"))
    assert paths.default_data_dir() == tmp_path / "home"


def test_windows_shares_one_folder_per_machine(monkeypatch, tmp_path, data_dir):
    monkeypatch.delenv("CUNYI_DATA_DIR", raising=False)
    monkeypatch.setattr(paths, "machine_wide", lambda: True)
    machine, personal = tmp_path / "ProgramData" / "Cunyi", tmp_path / "LocalAppData" / "Cunyi"
    monkeypatch.setattr(platformdirs, "site_data_dir", lambda *a, **k: str(machine))
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(personal))
    assert paths.default_data_dir() == machine  # a new laptop: the machine folder
    # A pre-release kept the clinic in the account's folder: still found there ...
    personal.parent.mkdir()
    data_dir.rename(personal)
    assert paths.default_data_dir() == personal
    # ... until the machine folder holds an installation (moved there, or a restore).
    machine.parent.mkdir()
    personal.rename(machine)
    assert paths.default_data_dir() == machine
    monkeypatch.setenv("CUNYI_DATA_DIR", str(tmp_path / "elsewhere"))
    assert paths.default_data_dir() == tmp_path / "elsewhere"
