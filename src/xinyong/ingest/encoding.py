"""What a text input file is, when it is not what ingest reads: UTF-8, one record a line.

Two questions the reader asks of the file itself, on the bytes, beside DuckDB's scan:

- *Is it UTF-8?* DuckDB checks every row as it reads, wherever the bad byte is, and sets the row
  aside as `INVALID ENCODING`; the file is then refused whole (a file in another encoding is
  wrong in every row that holds a non-ASCII character, not in one). `not_utf8` names where the
  first bad byte is and what the file looks like instead. The guess is a rule, not statistics:
  a UTF-16 byte order mark, else a strict decode as GB 18030 (the superset of GBK and GB 2312,
  which is what Chinese government and spreadsheet exports write when they are not UTF-8). A
  detector library (charset-normalizer, chardet) would guess among dozens of encodings from
  frequencies; the only question here is "UTF-8 or the Chinese national encoding", which a
  strict decode answers exactly, in constant memory.
- *Where does each record start?* A record's line is its physical line in the file, which is
  not its ordinal when a quoted field spans lines or blank lines are skipped.
  `physical_lines` counts newlines (fast, a few GB/s) and, only when they do not match one line
  per record, walks the file with Python's `csv` in the same dialect to find each record's
  first line.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

CHUNK = 1 << 20
#: The encodings a non-UTF-8 file is tried in, in order, with the name the message gives.
GUESSES: tuple[tuple[str, str], ...] = (("gb18030", "GBK (GB 18030)"),)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        for chunk in _chunks(path):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def first_bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """(line, byte offset, byte value) of the first byte that is not UTF-8, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    offset = line = 0
    for chunk in _chunks(path):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # the decoder may hold up to 3 bytes of an unfinished sequence from before `chunk`
            pending = len(exc.object) - len(chunk)
            at = offset + exc.start - pending
            before = chunk[: max(exc.start - pending, 0)]
            return line + before.count(b"\n") + 1, at, exc.object[exc.start]
        offset += len(chunk)
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return line + 1, offset - len(exc.object) + exc.start, exc.object[exc.start]
    return None


def not_utf8(path: Path) -> str | None:
    """Why `path` is not UTF-8 ("expected UTF-8; looks like GBK …"), or None if it is.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "gbk.csv"
    >>> _ = p.write_bytes("provider\\n法院\\n".encode("gbk"))
    >>> not_utf8(p)
    'expected UTF-8; looks like GBK (GB 18030): line 2, byte 9 (0xB7) is not UTF-8'
    """
    bad = first_bad_utf8(path)
    if bad is None:
        return None
    line, at, value = bad
    where = f"line {line}, byte {at} (0x{value:02X}) is not UTF-8"
    with path.open("rb") as fh:
        head = fh.read(2)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return f"expected UTF-8; looks like UTF-16 (a UTF-16 byte order mark): {where}"
    for encoding, name in GUESSES:
        if _decodes_as(path, encoding):
            return f"expected UTF-8; looks like {name}: {where}"
    return f"expected UTF-8: {where}; save the file as UTF-8"


def newline_count(path: Path) -> tuple[int, bool]:
    """Newlines in `path`, and whether it ends with one."""
    count, last = 0, b"\n"
    for chunk in _chunks(path):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count, last == b"\n"


def record_lines(path: Path) -> list[tuple[int, int]] | None:
    """(first physical line, number of fields) of every CSV record after the header, in order,
    read as DuckDB reads it (`,`, `"` quoting with `""` inside, blank lines skipped); None if
    Python's strict reader cannot split the file (DuckDB's numbering then stands)."""
    records: list[tuple[int, int]] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=",", quotechar='"', doublequote=True, strict=True)
        previous = 0
        try:
            for fields in reader:
                start = previous + 1
                previous = reader.line_num
                if fields:
                    records.append((start, len(fields)))
        except (csv.Error, UnicodeDecodeError):
            return None
    return records[1:]  # the header is read on its own
