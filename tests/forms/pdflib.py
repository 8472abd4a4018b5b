"""Helpers for the PDF tests: poppler tools on real files, PNG renderings for people to look at."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from forms import examples as E


def pdf_text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    )
    assert "Error" not in out.stderr, out.stderr
    return out.stdout


def squeeze(s: str) -> str:
    """Text without white space: pdftotext splits vertical labels and wrapped lines."""
    return re.sub(r"\s+", "", s)


def fonts(path: Path) -> list[dict[str, str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = []
    for line in out.stdout.splitlines()[2:]:
        parts = line.split()
        # name type [type2] encoding emb sub uni object ID
        rows.append({"name": parts[0], "type": parts[1], "emb": parts[-5]})
    return rows


def page_sizes(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = []
    for m in re.finditer(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts(?: \((\w+)\))?", out):
        sizes.append(m.group(3) or f"{float(m.group(1)):.1f}x{float(m.group(2)):.1f}")
    return sizes


def page_count(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert not out.stderr.strip(), out.stderr
    return int(re.search(r"Pages:\s+(\d+)", out.stdout).group(1))


def save_pngs(pdf: Path, name: str, dpi: int = 80) -> None:
    folder = os.environ.get("CUNYI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(Path(folder) / f"pdf-{name}")],
            check=True,
        )


def resident_from_examples() -> dict:
    pi = E.example("personal_info")
    return {
        "uuid": "res-1",
        "record_no": E.RECORD_NO,
        "name": pi["name"],
        "sex": pi["sex"],
        "birth_date": pi["birth_date"],
        "id_number": pi["id_number"],
        "phone": pi["phone"],
        "village": E.RECORD_NO[9:12],
        "status": "在册",
        "address": pi["address"],
        "doc": pi,
        "institution": "某某乡卫生院",
        "doctor": "张医生",
        "household_head": "李建国",
        "created_at": "2021-04-12T09:30:00",
    }


def pdf_layout(path: Path) -> str:
    """`pdftotext -layout`: the page as a person reads it, columns kept apart."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout


def words(path: Path) -> list[dict]:
    """Every word with its page (1-based) and box in points from the top left (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    found, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line
        )
        if m:
            x0, y0, x1, y1 = (float(m.group(i)) for i in range(1, 5))
            text = m.group(5).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            found.append({"page": page, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "text": text})
    return found
