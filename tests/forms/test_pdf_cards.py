"""Record cards and booklets as real PDFs: sizes, QR codes read back with zbarimg, numbering."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest

import forms.pdf as P
import forms.pdf.booklet as B
from forms import examples as E
from tests.forms.pdflib import (
    fonts,
    page_count,
    page_sizes,
    pdf_text,
    resident_from_examples,
    save_pngs,
    squeeze,
)

CARD_PTS = "242.6x153.1"  # 85.6 x 54 mm


def qr_codes(
    pdf: Path, tmp: Path, page: int = 1, box: tuple[float, ...] | None = None
) -> list[str]:
    """QR codes zbarimg reads on a 300 dpi rendering of a page, or of a box (x, y, w, h in
    points from the top left) of it: a scanner reads one card at a time."""
    prefix = tmp / f"qr{page}-{len(list(tmp.glob('qr*')))}"
    crop: list[str] = []
    if box:
        crop = [
            a for k, v in zip("xyWH", box, strict=True) for a in (f"-{k}", str(int(v / 72 * 300)))
        ]
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            *crop,
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", f"{prefix}.png"], capture_output=True, text=True
    )
    return out.stdout.split()


def card_boxes() -> list[tuple[float, float, float, float]]:
    from reportlab.lib.pagesizes import A4

    from forms.pdf.card import CARD_H, CARD_W, SHEET_COLS, SHEET_ROWS

    x0 = (A4[0] - SHEET_COLS * CARD_W) / 2
    top = (A4[1] - SHEET_ROWS * CARD_H) / 2
    return [
        (x0 + col * CARD_W, top + row * CARD_H, CARD_W, CARD_H)
        for row in range(SHEET_ROWS)
        for col in range(SHEET_COLS)
    ]


def other(i: int) -> dict:
    r = resident_from_examples()
    no = E.RECORD_NO[:-5] + f"{i:05d}"
    return dict(r, uuid=f"res-{i}", record_no=no, name=f"测试{i}号")


@pytest.fixture(scope="module")
def resident() -> dict:
    return resident_from_examples()


def test_card_printer_pages_are_card_sized_with_a_readable_qr(
    resident: dict, tmp_path: Path
) -> None:
    out = tmp_path / "card.pdf"
    assert P.render_cards([resident], out, page="card") == 2  # front and back
    assert page_sizes(out) == [CARD_PTS, CARD_PTS]
    assert qr_codes(out, tmp_path) == [resident["record_no"]]
    text = pdf_text(out)
    front, back = text.split("\f")[:2]
    assert "居民健康档案信息卡" in front and resident["name"] in front
    assert "ABO血型" in front and "过敏史" in front and "青霉素" in front
    assert "家庭住址" in back and "责任医生或护士" in back and "张医生" in back
    assert all(f["emb"] == "yes" for f in fonts(out))
    save_pngs(out, "card", dpi=200)


def test_a4_card_sheets_hold_ten_cards_each_qr_readable(tmp_path: Path) -> None:
    people = [other(i) for i in range(1, 13)]
    out = tmp_path / "cards.pdf"
    assert P.render_cards(people, out) == 4  # 10 + 2 cards: two fronts pages, two back pages
    assert page_sizes(out) == ["A4"] * 4
    boxes = card_boxes()
    read = [qr_codes(out, tmp_path, 1, box) for box in boxes]
    assert read == [[p["record_no"]] for p in people[:10]]  # left to right, top to bottom
    assert [qr_codes(out, tmp_path, 3, box) for box in boxes[:2]] == [
        [p["record_no"]] for p in people[10:]
    ]
    assert qr_codes(out, tmp_path, 2, boxes[0]) == []  # backs carry no code
    save_pngs(out, "cards-a4")


def test_cards_mask_the_id_number_by_default(resident: dict, tmp_path: Path) -> None:
    idn = resident["id_number"]
    masked, plain = tmp_path / "m.pdf", tmp_path / "p.pdf"
    P.render_cards([resident], masked, page="card")
    P.render_cards([resident], plain, page="card", mask_id=False)
    # the 2017 card has no ID line; should a definition add one, the card still masks it
    assert idn not in pdf_text(masked)
    if idn in pdf_text(plain):
        assert idn[-4:] in pdf_text(masked)


def test_unknown_card_page_is_refused(resident: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a4"):
        P.render_cards([resident], tmp_path / "x.pdf", page="letter")


def _records() -> list[dict]:
    out = []
    for code in ("health_exam", "htn_followup", "dm_followup", "encounter", "elderly_selfcare"):
        doc = E.example(code)
        out.append(
            {
                "uuid": code,
                "form": code,
                "edition": "2017",
                "visit_date": doc.get("visit_date"),
                "doc": doc,
            }
        )
    return out


def test_booklet_has_contents_numbering_and_catalogue_order(resident: dict, tmp_path: Path) -> None:
    out = tmp_path / "booklet.pdf"
    recs = list(reversed(_records()))
    n = P.render_booklets([(resident, recs)], out)
    assert n == page_count(out) and all(s == "A4" for s in page_sizes(out))
    pages = pdf_text(out).split("\f")
    assert "第" not in pages[0] or "共" not in pages[0]  # the cover carries no number
    for i in range(2, n + 1):
        assert f"第 {i} 页 共 {n} 页" in pages[i - 1]
    toc = squeeze(pages[1])
    assert "目录" in toc
    order = [
        "个人基本信息表",
        "健康体检表",
        "老年人生活自理能力评估表",
        "高血压患者随访服务记录表",
        "2型糖尿病患者随访服务记录表",
        "接诊记录表",
    ]
    positions = [toc.index(t) for t in order]
    assert positions == sorted(positions)
    # the contents point at the page where each form starts
    for title in order:
        first = int(re.search(squeeze(title) + r"第(\d+)", toc).group(1))
        assert squeeze(title) in squeeze(pages[first - 1])
    save_pngs(out, "booklet")


def test_batch_booklet_streams_chunks_into_one_valid_pdf(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(B, "CHUNK_PAGES", 5)  # force several chunks for a few residents
    seen: list[tuple[int, int | None]] = []

    def items():
        for i in range(1, 5):
            yield other(i), _records()[:2]

    out = tmp_path / "village.pdf"
    n = P.render_booklets(items(), out, progress=lambda d, t: seen.append((d, t)))
    assert n == page_count(out)
    assert [d for d, _ in seen] == [1, 2, 3, 4]
    text = pdf_text(out)
    for i in range(1, 5):
        assert f"测试{i}号" in text
    # each resident's booklet is numbered on its own: four page-1 covers, "共 m 页" per resident
    per = n // 4
    assert text.count(f"共 {per} 页") == 4 * (per - 1)
    assert all(f["emb"] == "yes" for f in fonts(out))
    # one bookmark per resident, pointing at that resident's cover, across chunk boundaries
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-stdout", "-i", "-q", str(out)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    items = re.findall(r'<item page="(\d+)">([^<]*)</item>', xml)
    assert [(int(p), t) for p, t in items] == [
        (1 + per * (i - 1), f"测试{i}号 101-{i:05d}") for i in range(1, 5)
    ]


def test_booklet_stops_when_cancelled(tmp_path: Path) -> None:
    done: list[int] = []
    out = tmp_path / "cancel.pdf"
    n = P.render_booklets(
        ((other(i), []) for i in range(1, 10)),
        out,
        progress=lambda d, t: done.append(d),
        cancelled=lambda: len(done) >= 2,
    )
    assert done == [1, 2] and n == page_count(out)
    assert "测试3号" not in pdf_text(out)


def test_booklet_to_a_file_object_and_an_empty_batch(tmp_path: Path) -> None:
    buf = io.BytesIO()
    n = P.render_booklets(iter([(other(1), _records()[:1])]), buf)
    path = tmp_path / "one.pdf"
    path.write_bytes(buf.getvalue())
    assert n == page_count(path) and "测试1号" in pdf_text(path)
    empty = tmp_path / "empty.pdf"
    assert P.render_booklets([], empty) == 1
    assert "没有可打印的档案" in pdf_text(empty)


def _words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) in points from the top left, as pdftotext sees them."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pat = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(pat, html)]


def _dark_run(pdf: Path, page: int, x0: float, x1: float, y0: float, y1: float) -> float:
    """Longest horizontal run of dark pixels (in points) inside the box, on a 4x rendering."""
    scale = 4
    prefix = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-gray", "-r", str(72 * scale), "-f", str(page), "-l", str(page),
         "-singlefile", str(pdf), str(prefix)],
        check=True,
    )  # fmt: skip
    data = Path(f"{prefix}.pgm").read_bytes()
    head = data.split(b"\n", 3)
    w, h = map(int, head[1].split())
    pixels = head[3]
    best = 0
    for y in range(int(y0 * scale), min(h, int(y1 * scale) + 1)):
        run = 0
        for x in range(int(x0 * scale), min(w, int(x1 * scale))):
            run = run + 1 if pixels[y * w + x] < 128 else 0
            best = max(best, run)
    return best / scale


def test_card_labels_stay_whole_and_empty_fields_get_a_line(resident: dict, tmp_path: Path) -> None:
    r = dict(resident, institution="某某县某某镇中心卫生院第二分院李家村卫生室")
    r["doc"] = {k: v for k, v in r["doc"].items() if k not in ("contact_name", "contact_phone")}
    out = tmp_path / "card.pdf"
    P.render_cards([r], out, page="card")
    back = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(out), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    lines = [squeeze(line) for line in back.splitlines() if line.strip()]
    for label in ("家庭住址：", "紧急情况联系人：", "联系人电话：", "建档机构名称：", "联系电话：",
                  "责任医生或护士：", "其他说明："):  # fmt: skip
        assert any(label in line for line in lines), (label, lines)
    # the paper card's own words: 联系电话, not the entry form's 联系电话（建档机构）
    assert "（建档机构）" not in back and "（责任医生）" not in back
    words = _words(out, 2)
    for label in ("紧急情况联系人：", "联系人电话：", "其他说明："):
        w, x0, y0, x1, y1 = next(w for w in words if w[0] == label)
        following = [v for v in words if abs(v[4] - y1) < 2 and v[1] > x1]
        end = min((v[1] for v in following), default=x1 + 60)
        assert _dark_run(out, 2, x1, end, y1 - 1, y1 + 3) >= 25, label  # a line to write on
    w, x0, y0, x1, y1 = next(w for w in words if w[0].startswith("家庭住址："))
    assert _dark_run(out, 2, x0, x1, y1 - 1, y1 + 3) < 10  # a filled field has no line
