"""The Windows installer script (packaging/windows/cunyi.iss): what must hold for the clinic's
data whatever Windows does, read from the script. Compiling it needs Inno Setup (Windows, or
Wine: packaging/windows/check-iss.sh)."""

from __future__ import annotations

import re

from tests.conftest import ROOT

ISS = ROOT / "packaging" / "windows" / "cunyi.iss"


def _sections() -> dict[str, list[str]]:
    text = ISS.read_text("utf-8-sig")
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if re.fullmatch(r"\[\w+\]", line):
            current = line[1:-1]
            out.setdefault(current, [])
        else:
            out.setdefault(current, []).append(line)
    return out


def test_script_is_utf8_with_a_bom_and_asks_for_inno_setup_6_3():
    raw = ISS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # read as UTF-8 by every Inno Setup 6
    assert "#if VER < EncodeVer(6,3,0)" in raw.decode("utf-8-sig")


def test_the_data_folder_is_the_machine_one_and_never_uninstalled():
    sections = _sections()
    preamble = "\n".join(sections[""])
    assert '#define DataDir "{commonappdata}\\Cunyi"' in preamble  # platformdirs' site data folder
    dirs = [line for line in sections["Dirs"] if "{#DataDir}" in line]
    assert dirs and all("uninsneveruninstall" in line for line in dirs)
    for section in ("UninstallDelete", "InstallDelete", "UninstallRun"):
        assert not any("DataDir" in line or "commonappdata" in line for line in sections.get(section, []))


def test_permissions_go_to_the_folder_and_no_local_group_is_put_into_another():
    run = _sections()["Run"]
    nets = [line for line in run if "net.exe" in line]
    # Windows refuses a local group (Users, *S-1-5-32-545) as a member of CunyiUsers.
    assert not any("*S-1-5-32" in line or re.search(r"\bUsers\b", line.split("Parameters:")[1]) for line in nets)
    icacls = [line for line in run if "icacls.exe" in line]
    first = icacls[0]
    assert "/inheritance:r" in first and "/grant:r" in first
    assert {"*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F", "{#Group}:(OI)(CI)M"} <= set(first.split())
    users = [line for line in icacls if "*S-1-5-32-545" in line]
    assert any("Tasks: allaccounts" in line and "/grant:r" in line for line in users)
    assert any("Tasks: not allaccounts" in line and "/remove:g" in line for line in users)
