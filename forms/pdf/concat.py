"""Streaming concatenation of PDFs written by reportlab, so a village booklet never sits in memory.

reportlab keeps every page of a canvas in memory until `save()` (a 1,000-resident booklet would
hold ~9,000 page streams), and no ready library streams a merge: pypdf keeps the whole output
object graph until `write()`. So booklets are rendered in chunks of a few residents, each chunk a
complete small PDF in memory, and this writer copies each chunk's objects to the output at once,
renumbered, with its page tree hung under one root. Memory stays at one chunk.

It only has to read what reportlab writes: a classic cross-reference table, no object streams,
one `/Root` catalog with a `/Pages` tree. Stream data is copied verbatim; only the dictionaries
before `stream` are rewritten, where every indirect reference `n 0 R` gets the chunk's offset.
"""

from __future__ import annotations

import re
from typing import IO

_REF = re.compile(rb"(\d+) 0 R\b")
_OBJ = re.compile(rb"(\d+) 0 obj\b")


class ChunkError(ValueError):
    pass


def _xref(data: bytes) -> tuple[dict[int, int], dict[bytes, int]]:
    """Object offsets and trailer entries (/Root, /Info) of one reportlab PDF."""
    sx = data.rindex(b"startxref")
    pos = int(data[sx + 9 :].split()[0])
    if not data.startswith(b"xref", pos):
        raise ChunkError("unsupported cross-reference (not a classic xref table)")
    lines = data[pos : data.index(b"trailer", pos)].split(b"\n")
    offsets: dict[int, int] = {}
    i = 1
    while i < len(lines):
        head = lines[i].split()
        if len(head) != 2:
            i += 1
            continue
        first, count = int(head[0]), int(head[1])
        for k in range(count):
            entry = lines[i + 1 + k].split()
            if entry[2] == b"n":
                offsets[first + k] = int(entry[0])
        i += count + 1
    trailer = data[data.index(b"trailer", pos) : sx]
    refs = {}
    for key in (b"/Root", b"/Info"):
        m = re.search(re.escape(key) + rb"\s+(\d+) 0 R", trailer)
        if m:
            refs[key] = int(m.group(1))
    return offsets, refs


class PdfConcatenator:
    """Append whole PDFs (from reportlab) to one output, page trees in order."""

    def __init__(self, out: IO[bytes], *, title: str = "") -> None:
        self.out = out
        self.pos = 0
        self.offsets: dict[int, int] = {}
        self.next_num = 3  # 1: catalog, 2: root page tree (written at the end)
        self.kids: list[int] = []
        self.marks: list[tuple[int, str]] = []  # (page object, bookmark title)
        self.page_count = 0
        self.title = title
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, b: bytes) -> None:
        self.out.write(b)
        self.pos += len(b)

    def append(self, data: bytes, marks: list[tuple[int, str]] | tuple = ()) -> None:
        """Copy one chunk; `marks` are bookmarks (page index within the chunk, title)."""
        offsets, refs = _xref(data)
        if b"/Root" not in refs:
            raise ChunkError("no /Root")
        shift = self.next_num - 1
        ordered = sorted(offsets.items(), key=lambda kv: kv[1])
        table_at = data.rindex(b"\nxref") + 1
        bounds = {
            num: (off, ordered[i + 1][1] if i + 1 < len(ordered) else table_at)
            for i, (num, off) in enumerate(ordered)
        }
        catalog = data[slice(*bounds[refs[b"/Root"]])]
        m = re.search(rb"/Pages\s+(\d+) 0 R", catalog)
        if not m:
            raise ChunkError("catalog without /Pages")
        pages_num = int(m.group(1))
        skip = {refs[b"/Root"], refs.get(b"/Info", -1)}
        for num, (start, end) in sorted(bounds.items()):
            if num in skip:
                continue
            body = data[start:end]
            head = _OBJ.match(body)
            if not head:
                raise ChunkError(f"object {num} not at its offset")
            s = body.find(b"stream\r\n")
            s = body.find(b"stream\n") if s < 0 else s
            dict_part, rest = (body, b"") if s < 0 else (body[:s], body[s:])
            dict_part = _REF.sub(
                lambda r: b"%d 0 R" % (int(r.group(1)) + shift), dict_part[head.end() :]
            )
            if num == pages_num:
                dict_part = dict_part.replace(b"<<", b"<< /Parent 2 0 R", 1)
                count = re.search(rb"/Count\s+(\d+)", dict_part)
                self.page_count += int(count.group(1)) if count else 0
                kids = re.search(rb"/Kids\s*\[([^\]]*)\]", dict_part)
                pages = [int(k) for k in re.findall(rb"(\d+) 0 R", kids.group(1))] if kids else []
                for index, title in marks:
                    if 0 <= index < len(pages):  # reportlab's page tree is flat
                        self.marks.append((pages[index], title))
            self.offsets[num + shift] = self.pos
            self._write(b"%d 0 obj" % (num + shift) + dict_part + rest)
        self.kids.append(pages_num + shift)
        self.next_num = max(offsets) + shift + 1

    def close(self) -> int:
        """Write the catalog, the root page tree and the cross-reference table; returns pages."""
        info = self.next_num
        outlines = info + 1 if self.marks else 0
        self.offsets[1] = self.pos
        extra = b" /Outlines %d 0 R /PageMode /UseOutlines" % outlines if outlines else b""
        self._write(b"1 0 obj\n<< /Pages 2 0 R /Type /Catalog%s >>\nendobj\n" % extra)
        self.offsets[2] = self.pos
        kids = b" ".join(b"%d 0 R" % k for k in self.kids)
        self._write(
            b"2 0 obj\n<< /Count %d /Kids [ %s ] /Type /Pages >>\nendobj\n"
            % (self.page_count, kids)
        )
        self.offsets[info] = self.pos
        self._write(
            b"%d 0 obj\n<< /Producer (Cunyi) /Title %s >>\nendobj\n" % (info, _pdf_text(self.title))
        )
        size = info + 1
        if outlines:
            size = self._write_outlines(outlines)
        xref_at = self.pos
        rows = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        for n in range(1, size):
            off = self.offsets.get(n)
            rows.append(b"%010d 00000 n \n" % off if off is not None else b"0000000000 65535 f \n")
        self._write(b"".join(rows))
        self._write(
            b"trailer\n<< /Info %d 0 R /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (info, size, xref_at)
        )
        return self.page_count

    def _write_outlines(self, root: int) -> int:
        """One bookmark per resident, so a village booklet can be navigated; returns /Size."""
        first, n = root + 1, len(self.marks)
        self.offsets[root] = self.pos
        self._write(
            b"%d 0 obj\n<< /Count %d /First %d 0 R /Last %d 0 R /Type /Outlines >>\nendobj\n"
            % (root, n, first, first + n - 1)
        )
        for i, (page, title) in enumerate(self.marks):
            num = first + i
            links = b""
            if i:
                links += b" /Prev %d 0 R" % (num - 1)
            if i + 1 < n:
                links += b" /Next %d 0 R" % (num + 1)
            self.offsets[num] = self.pos
            self._write(
                b"%d 0 obj\n<< /Dest [ %d 0 R /Fit ] /Parent %d 0 R /Title %s%s >>\nendobj\n"
                % (num, page, root, _pdf_text(title), links)
            )
        return first + n


def _pdf_text(s: str) -> bytes:
    """A PDF text string in UTF-16BE hex: any name, no escaping questions."""
    return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode() + b">"
