"""Partner files to rows: one reader per format, chosen from a table.

Every reader yields ``Row`` objects: the row number as a partner sees it (a spreadsheet's row
number, or the position in a JSON list), the sheet, and the values by column name. Nested JSON
is flattened to dotted names (``location.address.city``, ``tags.office``). A file that cannot be
read at all raises ``LoadError`` naming the file and the reason.
"""

from __future__ import annotations

import bisect
import codecs
import collections
import csv
import datetime
import io
import itertools
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from core.problems import LoadError, Problem
from core.settings import setting
from loaders import tables
from loaders.caps import Counter, check_workbook, too_many_rows
from loaders.guards import UNPACKED_LIMIT, DamagedFile, UnsafeFile, check_archive
from loaders.values import as_text

#: the encodings tried when a file is not UTF-8, in the order partners use them
LEGACY_ENCODINGS = ["cp1252", "cp1253", "cp1250", "latin_1", "iso8859_7", "iso8859_2"]


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)


def written(cell: Any) -> str:
    """A cell as the partner wrote it, for reports: a spreadsheet gives every number as a float
    and a date as a datetime, so 2031 came back as "2031.0", 0.00005 as "5e-05" and a date as
    "2017-09-01 00:00:00". (A number format such as 00000 is not known to the reader: such a
    cell shows its number; a percentage is read as shown, ``loaders.workbook``.)"""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        if not math.isfinite(cell):
            return str(cell)
        if cell.is_integer():
            return str(int(cell))
        return format(Decimal(repr(cell)), "f")
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat(" ")
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return str(cell)


Reader = Callable[[Path, dict[str, Any]], Iterator[Row]]
#: what a reader lets through when it turns a library's failures into LoadError
STOPS = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


# --------------------------------------------------------------------------- text (CSV, TSV)


#: the legacy (Windows) encoding a spreadsheet saves text in, by the language of its mapping
#: (not English: its letters tell nothing of the encoding):
#: tried first, before a guess, when a file is not UTF-8 (a short Croatian file in cp1250 was
#: read as cp1252: "Ćup Đak" became "Æup Ðak")
LEGACY_BY_LANGUAGE = {
    "hr": "cp1250", "sl": "cp1250", "el": "cp1253",
    "fr": "cp1252", "it": "cp1252", "es": "cp1252", "pt": "cp1252",
}  # fmt: skip


@dataclass(frozen=True)
class Text:
    """A file's text; ``legacy``: the legacy encoding the whole of it was read in, or None;
    ``lines``: in a UTF-8 file with a few lines in a legacy encoding, those lines (numbered
    from 1) and the encoding each was read in; ``wide``: UTF-16 or UTF-32, when the whole of it
    was read so (a CSV may be: Excel's "Unicode text"; a JSON file may not, RFC 8259)."""

    text: str
    legacy: str | None = None
    lines: dict[int, str] = field(default_factory=dict)
    wide: str | None = None

    def not_utf8(self) -> str | None:
        """The encoding a file that is not UTF-8 was read in, for a notice: its legacy one, or
        that of its legacy lines, or UTF-16 or UTF-32; None for UTF-8 (with or without BOM)."""
        return self.legacy or next(iter(self.lines.values()), None) or self.wide


#: what the csv module says of a file it cannot read -> the problem's code (messages.yaml), whose
#: message says it in the partner's language (the English is a report's detail, for developers)
CSV_ERRORS = {"field larger than field limit": "cell-too-long"}


def read_text(data: bytes, encoding: str, path: Path, language: str | None = None) -> Text:
    """Bytes to text: the declared encoding, or UTF-16 (by its BOM, else by the pattern of its
    zero bytes: Excel's "Unicode text" is UTF-16), or UTF-8 (with or without BOM), or a legacy
    encoding: the one of the mapping's ``language`` (``LEGACY_BY_LANGUAGE``) when it reads every
    byte, else the best guess. ``legacy`` names the legacy encoding taken (None for the
    others), for a notice: accents read in the wrong one are wrong everywhere. A UTF-8 file
    with a few lines written in a legacy encoding (pasted from another file) is read line by
    line, those lines in the legacy encoding (``by_line``), each named for a notice."""
    utf16 = encoding in ("", "auto") and _utf16(data)
    if utf16:
        try:
            return Text(data.decode(utf16).removeprefix("\ufeff"), wide=utf16)
        except UnicodeDecodeError as error:
            raise LoadError(
                f"{path}: {utf16.upper()} text (its byte order mark or zero bytes say so), but "
                f"byte {error.start} cannot be read; save the file as CSV UTF-8",
                "broken-utf16",
                line=data[: error.start].decode(utf16, "replace").count("\n") + 1,
                byte=error.start,
            ) from None
    declared_wide = encoding not in ("", "auto") and codecs.lookup(encoding).name.startswith(
        ("utf-16", "utf-32")
    )
    if b"\x00" in data[:8192] and not declared_wide:
        raise LoadError(f"{path}: this looks like a binary file, not delimited text", "binary-file")
    if encoding not in ("", "auto"):
        name = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        try:
            text = data.decode(name)
        except UnicodeDecodeError as error:
            raise _not_declared(path, data, encoding, error.start, language) from None
        line = misread_line(text, language)
        if line is not None:  # every byte read, in the letters of another language
            raise _not_declared(path, data, encoding, 0, language, line=line)
        return Text(text)
    try:
        return Text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        mixed = by_line(data, language)
        if mixed is not None:
            return mixed
        if _mostly_utf8(data):  # read in a legacy encoding, every accent would be mojibake
            line = data[: error.start].count(b"\n") + 1
            raise LoadError(
                f"{path}: UTF-8 text, but byte {error.start} (line {line}) is "
                f"0x{data[error.start]:02x}, which UTF-8 does not allow",
                "broken-utf8",
                line=line,
                byte=error.start,
            ) from None
    legacy = _read_legacy(data, language)
    if legacy is None:
        line = unreadable_line(data, language)
        raise Told(
            f"{path}: cannot tell the encoding of this file (line {line} is the first that "
            "cannot be read); declare file.encoding",
            "unknown-encoding-line",
            line=str(line),
        )
    return Text(*legacy)


def unreadable_line(data: bytes, language: str | None = None) -> int:
    """The first line (from 1) of a file whose encoding cannot be told that reads neither as
    trustworthy UTF-8 (``_trusted_utf8``) nor in the language's legacy encoding
    (``LEGACY_BY_LANGUAGE``); else the first that is not UTF-8."""
    lines = data.removeprefix(codecs.BOM_UTF8).splitlines(keepends=True)  # as csv counts them
    usual = LEGACY_BY_LANGUAGE.get(language or "")
    not_utf8 = None
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        text = _decoded(line, "utf-8")
        if text is None and not_utf8 is None:
            not_utf8 = number
        if text is not None and _trusted_utf8(text):
            continue
        if usual is None or _decoded(line, usual) is None:
            return number
    return not_utf8 or 1


def by_line(data: bytes, language: str | None = None) -> Text | None:
    """``data``, which is not UTF-8 as a whole, read line by line when some of its lines are
    UTF-8 and others are not (rows pasted from a file in another encoding): the lines UTF-8
    refuses in the language's legacy encoding (``LEGACY_BY_LANGUAGE``, else the one guessed from
    them), the others as UTF-8. The minority kind is named line by line, for a notice: the
    legacy lines of a mostly UTF-8 file, or the UTF-8 lines of a mostly legacy one (then
    ``legacy`` names the file's encoding). In a mostly legacy file a line is taken for UTF-8
    only when its text is trustworthy (``_trusted_utf8``: a legacy line's bytes may happen to
    form UTF-8). None for a file that is not so: legacy as a whole, or UTF-8 damaged inside a
    line (``broken-utf8``)."""
    lines = data.removeprefix(codecs.BOM_UTF8).splitlines(keepends=True)  # as csv counts them
    odd: dict[int, bytes] = {}  # the lines UTF-8 refuses
    utf8: dict[int, str] = {}  # the others holding a character UTF-8 writes in several bytes
    damaged = False  # a refused line holding UTF-8 characters too
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            damaged = damaged or bool(_UTF8_SEQUENCE.search(line))
            odd[number] = line
        else:
            if not line.isascii():
                utf8[number] = text
    trusted = {number for number, text in utf8.items() if _trusted_utf8(text)}
    if not odd or not trusted:
        return None
    if len(trusted) >= len(odd) + len(utf8) - len(trusted):  # mostly UTF-8: legacy lines told
        if damaged:
            return None
        return _mixed(lines, odd, language, None)
    legacy = {number: lines[number - 1] for number in [*odd, *utf8] if number not in trusted}
    return _mixed(lines, legacy, language, trusted)


def _mixed(
    lines: list[bytes], odd: dict[int, bytes], language: str | None, trusted: set[int] | None
) -> Text | None:
    """``lines`` read, those of ``odd`` in their legacy encoding, the others as UTF-8; told: the
    ``odd`` lines (``trusted`` None) or the ``trusted`` UTF-8 lines of a mostly legacy file."""
    legacy = _read_legacy(b"".join(odd.values()), language)
    if legacy is None:
        return None
    encoding = legacy[1]
    texts = [
        line.decode(encoding) if number in odd else line.decode("utf-8")
        for number, line in enumerate(lines, start=1)
    ]
    text = "".join(texts)
    if trusted is None:
        return Text(text, None, dict.fromkeys(odd, encoding))
    return Text(text, encoding, dict.fromkeys(sorted(trusted), "utf-8"))


#: the characters a partner's UTF-8 line holds besides ASCII, by block, with the script of its
#: letters and marks (None: no letter, or a mark that takes its letter's): the Latin letters of
#: the network's languages, Greek, the other scripts of the Mediterranean (Cyrillic, Hebrew,
#: Arabic), punctuation, currency and other signs, emoji. A legacy line whose bytes happen to
#: form UTF-8 gives characters elsewhere (cp1252 "CAFÉ…" is "CAFɅ", cp1250 "ČŠ" is "Ȋ"), a word
#: of two scripts ("PIÙ’" is "PI" and an Arabic mark), or a word of one letter of another
#: script (cp1250 "ĐŽ" is "Ў", cp1253 "ΠΆ" is "Т")
UTF8_TRUSTED_BLOCKS: tuple[tuple[int, int, str | None], ...] = (
    (0x00A0, 0x00BF, None),  # no-break space, «», °, ©, ²...
    (0x00C0, 0x017F, "Latin"),  # Latin-1 letters, Latin Extended-A (č ć đ š ž ő)
    # Latin Extended-B: the letters of living languages' spelling (the others are phonetic or
    # dialectology letters, which a legacy line's bytes make: cp1250 "ČŠ" is "Ȋ", "IVANIĆ…"
    # "IVANIƅ", cp1252 "CAFÉ…" "CAFɅ")
    (0x01A0, 0x01A1, "Latin"),  # Vietnamese Ơ ơ
    (0x01AF, 0x01B0, "Latin"),  # Vietnamese Ư ư
    (0x01C4, 0x01DC, "Latin"),  # the Croatian digraphs Ǆ ǉ Ǌ..., Pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x01DE, 0x01F5, "Latin"),  # Sami, Romani, Berber ǧ ǩ ǯ ǰ, Livonian ǟ ǭ, digraphs ǲ ǳ
    (0x01F8, 0x01FF, "Latin"),  # ǹ, Danish and Norwegian ǻ ǽ ǿ
    (0x0218, 0x021B, "Latin"),  # Romanian ș ț (with the comma below)
    (0x0300, 0x036F, None),  # combining accents
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x04FF, "Cyrillic"),
    (0x05D0, 0x05EA, "Hebrew"),  # its letters (no points)
    (0x0620, 0x065F, "Arabic"),  # its letters and vowel marks
    (0x0660, 0x0669, None),  # Arabic-Indic digits
    (0x1E00, 0x1EFF, "Latin"),  # Latin Extended Additional (ễ ạ ẞ: names from abroad)
    (0x1F00, 0x1FFF, "Greek"),  # polytonic Greek
    (0x2000, 0x209F, None),  # ’ “ ” – — … spaces, superscripts and subscripts
    (0x20A0, 0x20CF, None),  # € and other currencies
    (0x2100, 0x21FF, None),  # № ™ ℃, fractions (⅓), arrows
    (0x2200, 0x22FF, None),  # mathematical operators (≥ − ×)
    (0x2600, 0x27BF, None),  # signs and dingbats
    (0xFB00, 0xFB06, "Latin"),  # the ligatures ﬁ ﬂ ﬀ that text copied from a PDF holds
    (0xFE00, 0xFE0F, None),  # variation selectors (of an emoji)
    (0x1F300, 0x1FAFF, None),  # emoji
)
_TRUSTED_STARTS = [start for start, _end, _script in UTF8_TRUSTED_BLOCKS]
#: the scripts of the network's languages; a word in another has at least
#: ``SHORTEST_FOREIGN_WORD`` letters (one such letter is what two legacy bytes make by chance)
NETWORK_SCRIPTS = frozenset({"Latin", "Greek"})
SHORTEST_FOREIGN_WORD = 2


def _trusted_utf8(text: str) -> bool:
    """Whether a line read as UTF-8 reads as a partner writes (``UTF8_TRUSTED_BLOCKS``): every
    character besides ASCII in a block of the table, the letters and marks of each word of one
    script, and a word in a script of no language of the network of two letters or more."""
    script: str | None = None  # of the word being read
    letters = 0  # of the word being read
    for character in f"{text} ":
        code = ord(character)
        if code < 0x80:
            own = "Latin" if character.isalpha() else None
        else:
            index = bisect.bisect_right(_TRUSTED_STARTS, code) - 1
            if index < 0 or code > UTF8_TRUSTED_BLOCKS[index][1]:
                return False
            own = UTF8_TRUSTED_BLOCKS[index][2]
        mark = unicodedata.combining(character) != 0
        if own is None or not (character.isalpha() or mark):
            if mark:
                continue  # a combining accent: of its letter's word
            if script not in NETWORK_SCRIPTS and 0 < letters < SHORTEST_FOREIGN_WORD:
                return False
            script, letters = None, 0  # a word ends
            continue
        if script is not None and own != script:
            return False
        script, letters = own, letters + character.isalpha()
    return True


def _decoded(data: bytes, encoding: str) -> str | None:
    """``data`` read in ``encoding``, or None when a byte is not of that encoding."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


#: the least letters beyond ASCII a file must hold for ``misread_line`` to judge it
MISREAD_LETTERS = 3


@cache
def _language_letters() -> dict[str, frozenset[str]]:
    raw: dict[str, str] = tables.table("language-letters")
    return {language: frozenset(letters) for language, letters in raw.items()}


def misread_line(text: str, language: str | None) -> int | None:
    """The first line of ``text`` whose letters beyond ASCII are not ``language``'s, when most
    of the file's are not (``tables/language-letters.yaml``): a file read in a legacy encoding
    that is not its own ("Societΰ", "Åðùíõìßá"); None when the text reads as the language, or
    the language is not known."""
    own = _language_letters().get(language or "")
    if own is None:
        return None
    letters = [c for c in text.casefold() if not c.isascii() and c.isalpha()]
    if len(letters) < MISREAD_LETTERS or sum(c in own for c in letters) * 2 >= len(letters):
        return None
    for number, line in enumerate(text.split("\n"), start=1):
        if any(not c.isascii() and c.isalpha() and c not in own for c in line.casefold()):
            return number
    return None


def _not_declared(
    path: Path | str,
    data: bytes,
    encoding: str,
    start: int,
    language: str | None,
    line: int | None = None,
) -> LoadError:
    """The error of a file its mapping's ``file.encoding`` cannot read, or reads as letters of
    another language: which line, and the encoding that reads it when one of the usual ones
    does. The partner was told only that the encoding "cannot be recognised; save it as UTF-8",
    though the mapping named one (stranger 89)."""
    if line is None:
        line = data[:start].count(b"\n") + 1
        where = f"byte {start} is 0x{data[start]:02x}, line {line}"
    else:
        where = f"line {line} reads as letters of another language than {language}"
    reason = f"{path}: not {encoding} text ({where}); check file.encoding in the mapping"
    found = "utf-8" if _decoded(data, "utf-8-sig") is not None else None
    if found is None and not _mostly_utf8(data):  # broken UTF-8 reads in no legacy encoding
        legacy = _read_legacy(data, language)
        found = legacy[1] if legacy is not None else None
    if found is None or codecs.lookup(found).name == codecs.lookup(encoding).name:
        return LoadError(reason, "declared-encoding-wrong", encoding=encoding, line=line)
    return LoadError(reason, "declared-encoding-other", encoding=encoding, line=line, found=found)


def _read_legacy(data: bytes, language: str | None) -> tuple[str, str] | None:
    """``data`` read in a legacy encoding, and its name: the language's usual one when it reads
    every byte (``LEGACY_BY_LANGUAGE``), else the best guess (None when none reads it)."""
    usual = LEGACY_BY_LANGUAGE.get(language or "")
    text = None if usual is None else _decoded(data, usual)
    if usual is not None and text is not None:
        return text, usual
    import charset_normalizer  # only for a file in none of the usual encodings (15 ms)

    best = charset_normalizer.from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    return None if best is None else (str(best), str(best.encoding))


#: the byte order marks of UTF-32 and UTF-16, and the codec that reads (and drops) each; UTF-32's
#: first, as its little-endian mark begins with UTF-16's
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: the least share of pairs of bytes with a zero byte, always at the same place, that makes text
#: without a BOM UTF-16 (a quarter: Greek letters are U+03xx, so only the digits, punctuation and
#: spaces of a Greek file have one; a binary file has zero bytes at both places)
_UTF16_ZEROS = 0.25
#: the most zero bytes at the other place, for one at the usual place: a character whose low
#: byte is zero (Ā is U+0100, 😀 is written D83D DE00) puts one there, a few in a text
_UTF16_OTHER_ZEROS = 1 / 8
#: control characters no text holds (tab, line feed and carriage return aside): bytes read as
#: UTF-16 that give one were not UTF-16 text
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _utf16(data: bytes) -> str | None:
    """The codec of text in UTF-16 or UTF-32: by its byte order mark, else (UTF-16 without a
    BOM) by its zero bytes, most of them at the same place in each pair of bytes while the other
    place has few (a character such as Ā, U+0100, or 😀 has one there), and the text they make
    holds no control character; None for anything else (a binary file has zero bytes anywhere)."""
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return codec
    head = data[:8192]
    pairs = len(head) // 2
    if pairs < 2 or len(data) % 2:
        return None
    even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    for codec, usual, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if usual >= _UTF16_ZEROS * pairs and other <= _UTF16_OTHER_ZEROS * usual:
            text = head[: pairs * 2].decode(codec, "replace")
            return None if _CONTROL.search(text) else codec
    return None


#: a character of two, three or four bytes as UTF-8 writes it
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes) -> bool:
    """Whether ``data``, which is not UTF-8, is UTF-8 but for a few bytes: it holds at least
    three characters UTF-8 writes in several bytes, of those a partner writes
    (``UTF8_TRUSTED_BLOCKS``: a legacy encoding's letters seldom make such runs, and then mostly
    characters of other blocks), and more of them than bytes UTF-8 refuses."""
    written = sum(
        _trusted_utf8(sequence.decode("utf-8", "replace"))
        for sequence in _UTF8_SEQUENCE.findall(data)
    )
    refused = data.decode("utf-8", "replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return written >= 3 and written > refused


def first_lines(text: str, count: int) -> list[str]:
    """The first ``count`` lines of ``text``, as ``str.splitlines`` cuts them, without cutting
    the rest of a file of millions of lines into lines: a part of the text is cut, a larger one
    while it holds fewer lines."""
    size = 65_536
    while True:
        lines = text[:size].splitlines()
        if len(lines) > count or size >= len(text):
            return lines[:count]
        size *= 4


def sniff_delimiter(text: str) -> str:
    """The delimiter that cuts the first lines into the same number of fields, the most fields
    winning: decimal commas inside ';'-separated data do not fool it. When none does (a row
    cut by a separator inside an unquoted value), the one whose most frequent number of fields
    the most lines share, then the most fields (a row too long is told: ``Widths``)."""
    lines = first_lines(text, 50)
    best, best_fields = ",", 1
    usual: list[tuple[int, int, str]] = []  # (lines sharing the usual count, the count, delimiter)
    for candidate in (",", ";", "\t", "|"):
        try:
            counts = [len(cells) for cells in csv.reader(lines, delimiter=candidate) if cells]
        except csv.Error:  # a field past the csv module's limit: the reader will say so
            continue
        if len(set(counts)) == 1 and counts[0] > best_fields:
            best, best_fields = candidate, counts[0]
        elif counts:
            fields, sharing = collections.Counter(counts).most_common(1)[0]
            if fields > 1:
                usual.append((sharing, fields, candidate))
    if best_fields > 1 or not usual:
        return best
    return max(usual)[2]


def repeat_of(headers: tuple[str, ...], position: int) -> str | None:
    """The header that the column at ``position`` (from 1) repeats, when a file gives two
    columns one header ("Name,Name"): ``_names`` names the later ones by their position ("Name"
    at position 3 is "Name (3)"); None for a column whose header is its own."""
    name, suffix = headers[position - 1], f" ({position})"
    if not name.endswith(suffix):
        return None
    while name.endswith(suffix):
        name = name[: -len(suffix)]
    return name if name in headers[: position - 1] else None


#: the name of a column whose header cell is blank (by its position from 1); a report says it in
#: its own language (``is_blank_header``)
BLANK_HEADER = "column {position}"


def blank_header_position(name: str) -> int | None:
    """The position of the column ``name`` names as one whose header cell is blank
    (``BLANK_HEADER``), else None."""
    prefix, _, number = name.rpartition(" ")
    if prefix != BLANK_HEADER.split(" ")[0] or not number.isdigit():
        return None
    position = int(number)
    return position if is_blank_header(name, position) else None


def is_blank_header(name: str, position: int) -> bool:
    """Whether ``name``, the column at ``position`` (from 1), is the name given to a column
    whose header cell is blank (``BLANK_HEADER``)."""
    return name == BLANK_HEADER.format(position=position)


def _names(header: list[str]) -> list[str]:
    names, seen = [], set()
    for position, cell in enumerate(header, start=1):
        name = cell.strip() or BLANK_HEADER.format(position=position)
        while name in seen:
            name += f" ({position})"
        seen.add(name)
        names.append(name)
    return names


#: a number's whole part as a partner writes it (1250, 1.250, 1 250) and a decimal part (with a
#: unit or currency after it): the two cells a decimal comma cuts a number into in a
#: comma-separated file ("12,50" read as «12» and «50»)
_WHOLE_PART = re.compile(r"[+-]?(?:[0-9]{1,3}(?:[. \u00a0\u202f][0-9]{3})+|[0-9]+)")
_DECIMAL_PART = re.compile(r"[0-9]+(?:\s*(?:€|EUR|%|m²|m2))?", re.IGNORECASE)
#: a number with decimals as written in one cell (12.50, -15.417): a decimal column's value
_NUMBER = re.compile(r"[+-]?[0-9][0-9 .\u00a0\u202f]*(?:[.,][0-9]+)?(?:\s*(?:€|EUR|%))?")
#: the digits a decimal part begins with
_DIGITS = re.compile(r"[0-9]+")


#: the errors of a row held back for its shape (more cells than the header: its values shifted),
#: whose cells are not checked: one error for the row, not one for each value it moved
SHIFTED_ROW = frozenset({"row-too-long", "row-too-long-decimal", "row-too-long-trailing"})


def is_shifted(problems: list[Problem]) -> bool:
    """Whether a row's problems hold it back for its shape (``SHIFTED_ROW``)."""
    return any(problem.code in SHIFTED_ROW for problem in problems)


@dataclass(frozen=True)
class Widths:
    """The records of a delimited file, each as (its cells, the empty cells at its end), to
    tell the rows longer than the header: a value holding the separator unquoted (a decimal
    comma in a comma-separated file) shifts every later value one column to the right, and is
    never read shifted. ``numbers``: the columns that read a number, True for those with
    decimals (where a decimal comma is written); a header written otherwise (an accent lost)
    is looked up as ``Headers`` reads it (``matching_columns``)."""

    shapes: list[tuple[int, int]]
    delimiter: str
    numbers: dict[str, bool] = field(default_factory=dict)
    #: the kind of each column (``kind``) by the file's headers, found once
    kinds: dict[tuple[str, ...], list[bool | None]] = field(default_factory=dict, compare=False)

    def trailing(self, columns: int, first: int) -> int:
        """The empty cells every data row (from record ``first``) has past the header's
        ``columns``: a separator at the end of every line but the header's; 0 unless every
        data row that holds a cell has the same number of cells past them, all empty."""
        extra = {
            length - columns if empty >= length - columns else -1
            for length, empty in self.shapes[first - 1 :]
            if length > empty
        }
        return max(extra.pop(), 0) if len(extra) == 1 else 0

    def told(
        self, number: int, cells: list[str], names: list[str], trailing: int
    ) -> Problem | None:
        """What a row with more cells than the header has columns is told: nothing when every
        data row has the same empty cells past the header (``trailing``). When its only extra
        cells are empty, the row read without them must show it is not shifted: a value that
        does not fit its number column ("España" as the latitude: a separator written inside
        an earlier value, the last column empty) makes it a shifted row (``problem``); with no
        number column filled to tell, or a value that reads as a number cut in two by a decimal
        comma (one or two decimals, ``decimal_cut``), which it is cannot be told and the row is
        held back (``row-too-long-trailing``); else it is a separator at the line's end
        (``trailing-separator``, the row read). Extra cells not empty: ``problem``."""
        columns = len(names)
        if len(cells) <= columns or (
            len(cells) == columns + trailing and not _filled(cells[columns:])
        ):
            return None
        counts = (("cells", str(len(cells))), ("columns", str(columns)))
        kinds = self._kinds(names)
        read = list(zip(kinds, cells[:columns], strict=True))
        if _filled(cells[columns:]) or not all(_holds(kind, value) for kind, value in read):
            return self.problem(number, cells, names)
        told = any(kind is not None and value.strip() for kind, value in read)
        cuts = self._cuts(cells[: columns + 1], names)
        if not told or any(_decimals(cells[cut + 1]) <= 2 for cut in cuts):
            return Problem(
                "row-too-long-trailing",
                f"{len(cells)} cells but {columns} columns, those past the header empty: a "
                "separator at the line's end, or a value cut in two by a decimal comma and the "
                "last columns empty; the row is held back",
                row=number,
                params=counts,
            )
        return Problem(
            "trailing-separator",
            f"{len(cells)} cells but {columns} columns, those past the header empty: a "
            "separator at the line's end; the row is read without them",
            row=number,
            severity="warning",
            params=counts,
        )

    def problem(self, number: int, cells: list[str], names: list[str]) -> Problem:
        """The error of a row with more cells than the header has columns: where one value of
        it, and one only, reads as a number cut in two by a decimal comma (``decimal_cut``),
        the place and the number it likely was (``row-too-long-decimal``), else the counts."""
        counts = (("cells", str(len(cells))), ("columns", str(len(names))))
        reason = (
            f"{len(cells)} cells but {len(names)} columns: every value after a separator "
            "written inside an unquoted value is shifted one column to the right; the row is "
            "held back"
        )
        cut = self.decimal_cut(cells, names)
        if cut is None:
            return Problem("row-too-long", reason, row=number, params=counts)
        joined = f"{cells[cut].strip()},{cells[cut + 1].strip()}"
        return Problem(
            "row-too-long-decimal",
            f"{reason}; «{cells[cut]}» «{cells[cut + 1]}»: was it {joined}?",
            row=number,
            column=names[cut],
            value=cells[cut],
            params=(*counts, ("next", cells[cut + 1]), ("joined", joined)),
        )

    def decimal_cut(self, cells: list[str], names: list[str]) -> int | None:
        """The cell of a comma-separated row one cell too long (its empty cells at the end
        aside) that reads with the next as a number with a decimal comma ("12" and "50":
        12,50), in a column of a number with decimals (any column when none is known), the
        row then holding a number in each number column (``_cuts``). When several such cuts
        fit, the one whose decimals are one or two digits, if it is the only one (three
        digits read as well as a thousands group: "12,180"); None when it cannot be told."""
        cells = cells[: max(len(names) + 1, len(cells) - _shape(cells)[1])]
        cuts = self._cuts(cells, names)
        short = [cut for cut in cuts if _decimals(cells[cut + 1]) <= 2]
        if len(short) == 1:
            return short[0]
        return cuts[0] if len(cuts) == 1 and not short else None

    def _cuts(self, cells: list[str], names: list[str]) -> list[int]:
        """Each cell of a row one cell too long that, joined with the next by a decimal comma,
        gives a row whose every number column holds a number (or nothing)."""
        if self.delimiter != "," or len(cells) != len(names) + 1:
            return []
        kinds = self._kinds(names)
        cuts = []
        for position, decimals in enumerate(kinds):
            cell, following = cells[position].strip(), cells[position + 1].strip()
            if (decimals or (decimals is None and not self.numbers)) and (
                _WHOLE_PART.fullmatch(cell) and _DECIMAL_PART.fullmatch(following)
            ):
                read = [*cells[:position], f"{cell},{following}", *cells[position + 2 :]]
                if all(_holds(kind, value) for kind, value in zip(kinds, read, strict=True)):
                    cuts.append(position)
        return cuts

    def _kinds(self, names: list[str]) -> list[bool | None]:
        """The kind of each column of the header ``names`` (``kind``), found once per header."""
        kinds = self.kinds.get(tuple(names))
        if kinds is None:
            kinds = self.kinds[tuple(names)] = [self.kind(name) for name in names]
        return kinds

    def kind(self, name: str) -> bool | None:
        """Whether the column ``name`` reads a number with decimals (True), a whole number
        (False), or no number (None), its header written as the mapping's or otherwise."""
        if name in self.numbers:
            return self.numbers[name]
        matches = matching_columns(name, self.numbers)
        return self.numbers[matches[0]] if len(matches) == 1 else None


def _decimals(part: str) -> int:
    """How many digits the decimal part of a number cut in two begins with."""
    digits = _DIGITS.match(part.strip())
    return len(digits.group()) if digits else 0


def _holds(decimals: bool | None, value: str) -> bool:
    """Whether a cell fits its column: a number in a number column (``decimals``: whether it
    may have decimals; None: no number column), or nothing."""
    value = value.strip()
    if decimals is None or not value:
        return True
    return (_NUMBER if decimals else _WHOLE_PART).fullmatch(value) is not None


def _shape(cells: list[str]) -> tuple[int, int]:
    """A record's number of cells and of empty cells at its end."""
    empty = 0
    for cell in reversed(cells):
        if cell.strip():
            break
        empty += 1
    return len(cells), empty


def _table_rows(
    cells_by_row: Iterator[list[Any]],
    spec: dict[str, Any],
    path: Path,
    sheet: str | None = None,
    kept: Any = frozenset(),
    widths: Widths | None = None,
) -> Iterator[Row]:
    """Rows of a grid (CSV or sheet): header where the mapping says, then one Row per line
    (an empty one left out, unless its number is in ``kept``: its cells were unread).
    ``widths``: a delimited file's records, whose rows longer than the header are errors
    (``Widths.problem``); a sheet's cells right of its header are only told (``extra-cells``)."""
    header_row = spec.get("header_row", 1)
    number = 0
    names = spec.get("column_names")
    notices: list[Problem] = []
    if not names and spec.get("header", True):
        found = (
            _header_found(cells_by_row, header_row, sheet)
            if "header_row" in spec
            else _header_sought(cells_by_row, sheet)
        )
        number, names, notices, cells_by_row = found
        if not names:
            raise LoadError(
                f"{path}: no header row {header_row} (the file has {number} rows)", "no-header"
            )
    elif not names:
        raise LoadError(
            f"{path}: a file without header needs file.column_names in the mapping", "no-header"
        )
    first_data_row = number + 1
    counter = Counter(path.name)
    trailing = widths.trailing(len(names), first_data_row) if widths is not None else 0
    for number, cells in enumerate(cells_by_row, start=first_data_row):
        counter.add(len(cells))
        if not any(str(c).strip() for c in cells if c is not None) and number not in kept:
            continue
        row = Row(number, dict(zip(names, cells, strict=False)), sheet)
        row.problems.extend(notices)
        notices = []
        if len(cells) <= len(names):
            pass
        elif widths is not None:
            told = widths.told(number, cells, names, trailing)
            if told is not None:
                row.problems.append(told)
        elif any(str(c).strip() for c in cells[len(names) :] if c is not None):
            row.problems.append(
                Problem(
                    "extra-cells",
                    f"{len(cells)} cells but {len(names)} columns; the cells right of the last "
                    "column with a header are not read",
                    row=number,
                    sheet=sheet,
                    severity="warning",
                )
            )
        yield row


def _filled(cells: list[Any]) -> int:
    """How many cells of a row hold something."""
    return sum(1 for cell in cells if cell is not None and str(cell).strip())


HeaderFound = tuple[int, list[str] | None, list[Problem], Iterator[list[Any]]]


def _header_found(cells_by_row: Iterator[list[Any]], header_row: int, sheet: Any) -> HeaderFound:
    """The header at the row the mapping names (``header_row``)."""
    number = 0
    for number, cells in enumerate(cells_by_row, start=1):
        if number == header_row:
            return number, _names([written(c) for c in cells]), [], cells_by_row
    return number, None, [], cells_by_row


#: how many rows below a lone cell are looked at for the column names (``_header_below``)
LOOKED_AHEAD = 10
#: the share of the widest row's cells a row of column names holds at least
HEADER_WIDTH = 0.8


def _header_below(rows: list[list[Any]]) -> int:
    """The index in ``rows`` (the rows below a title) of the one that seems to hold the column
    names: the first that holds nearly as many cells as the widest (``HEADER_WIDTH``). A row of
    a few merged group headings between the title and the names ("Anagrafica", "Localizzazione"
    over 20 columns) is passed over (stranger 79: the hint said header_row 2, that row)."""
    widest = max(map(_filled, rows))
    return next(i for i, row in enumerate(rows) if _filled(row) >= HEADER_WIDTH * widest)


def _header_sought(cells_by_row: Iterator[list[Any]], sheet: Any) -> HeaderFound:
    """The header of a file whose mapping gives no ``header_row``: the first row that holds a
    cell, the empty rows above it told (``header-row-found``); a lone cell above a wider row
    (a title) is told, suggesting ``header_row`` (``title-row``)."""
    number, notices = 0, []
    cells: list[Any] = []
    for cells in cells_by_row:
        number += 1
        if _filled(cells):
            break
    else:
        return number, None, [], cells_by_row
    if number > 1:
        notices.append(
            Problem(
                "header-row-found",
                f"the column names were read from row {number}: the rows above are empty",
                row=number,
                sheet=sheet,
                value=str(number),
                severity="warning",
                params=(("row", str(number)),),
            )
        )
    # the rows below a lone cell, looked at and kept: a title, when one of them is wider
    following = list(itertools.islice(cells_by_row, LOOKED_AHEAD)) if _filled(cells) == 1 else []
    if following and max(map(_filled, following)) > 2:
        title = written(next(c for c in cells if c is not None and str(c).strip()))
        below = number + 1 + _header_below(following)
        notices.append(
            Problem(
                "title-row",
                f"row {number} holds only {title!r} (a title?); the column names seem to be on "
                f"row {below}: delete the rows above them, or write header_row: {below}",
                row=number,
                sheet=sheet,
                value=title[:200],
                severity="warning",
                params=(("header_row", str(below)),),
            )
        )
    return (
        number,
        _names([written(c) for c in cells]),
        notices,
        itertools.chain(following, cells_by_row),
    )


def read_delimited(path: Path, spec: dict[str, Any], delimiter: str | None = None) -> Iterator[Row]:
    """CSV or TSV (``delimiter``: the format's own; else the mapping's, else sniffed). A
    workbook given a text file's name is read as the workbook it is, told (``misnamed-file``)."""
    kind = workbook_kind(path)
    if kind is not None:
        yield from _as_named(read_workbook(path, spec), path, *kind)
        return
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(f"{path}: the file is empty", "empty-file")
    text = read_text(data, spec.get("encoding", "auto"), path, spec.get("language"))
    declared = spec.get("delimiter") or delimiter
    if declared:
        check_delimiter(text.text, declared, spec.get("header_row", 1), path)
    delimiter = declared or sniff_delimiter(text.text)
    options = {"delimiter": delimiter, "quotechar": spec.get("quote", '"')}
    reader = csv.reader(io.StringIO(text.text, newline=""), **options)
    try:
        # counted first (a fraction of the cost of mapping them): a file past the caps is
        # refused before any row of it is mapped; each record's shape kept (``Widths``)
        counter = Counter(path.name, header=spec.get("header_row", 1))
        shapes: list[tuple[int, int]] = []
        start = end = 0  # the first and last lines of the last record
        for cells in reader:
            counter.add(len(cells))
            shapes.append(_shape(cells))
            start, end = end + 1, reader.line_num
        if shapes:
            _check_quotes(text.text, options, start, path)
        widths = Widths(shapes, delimiter, spec.get("number_columns", {}))
        reader = csv.reader(io.StringIO(text.text, newline=""), **options)
        ends: list[int] = []  # the last line of each record, for the lines of a row
        rows = _table_rows(_ending(reader, ends), spec, path, widths=widths)
        first = next(rows, None)
        if first is None:
            return
        if text.legacy is not None:
            first.problems.append(_legacy_notice(text.legacy))
        told = 0  # the last line told of
        for row in itertools.chain([first], rows):
            if text.lines:
                told = _tell_legacy_lines(row, text.lines, ends, told, text.legacy)
            yield row
    except csv.Error as error:
        said = str(error)
        code = next((code for words, code in CSV_ERRORS.items() if words in said), None)
        if code == "cell-too-long" and not _opens_quote(text.text, options, end, reader.line_num):
            code = "cell-too-long-unquoted"
        raise LoadError(
            f"{path}: line {reader.line_num}: {error}",
            code or "unreadable-file",
            line=reader.line_num,
            limit=csv.field_size_limit(),
        ) from None


def _legacy_notice(encoding: str) -> Problem:
    """The warning on a file's first row that the file is not UTF-8, naming the encoding read."""
    reason = f"not UTF-8: read as {encoding}; check its accented letters, or save it as UTF-8"
    return Problem("legacy-encoding", reason, severity="warning", value=encoding)


#: the most characters of a line a report quotes
QUOTED_LINE = 60


def _opens_quote(text: str, options: dict[str, Any], after: int, last: int) -> bool:
    """Whether a cell of the record on the lines after line ``after`` down to ``last`` opens
    with a quotation mark (a value the csv reader reads up to the closing one) that does not
    close (an odd number of them: a quote doubled inside a value is two): a cell too long is
    blamed on an unclosed quote only when there is one."""
    record = "".join(io.StringIO(text, newline="").readlines()[after:last])
    quote, delimiter = re.escape(options["quotechar"]), re.escape(options["delimiter"])
    opening = re.compile(f"(?:^|{delimiter}){quote}", re.MULTILINE)
    return opening.search(record) is not None and record.count(options["quotechar"]) % 2 == 1


def _check_quotes(text: str, options: dict[str, Any], start: int, path: Path) -> None:
    """``unclosed-quote`` when the file's last record, from line ``start``, ends inside a
    quoted value: a quotation mark opens a value that never closes, and the csv reader took
    every later line, separators and line breaks, for that one value (a line's rows lost, or
    the header's columns, were told as missing columns)."""
    lines = io.StringIO(text, newline="").readlines()[start - 1 :]
    try:
        for _cells in csv.reader(lines, strict=True, **options):
            pass
    except csv.Error as error:
        if "unexpected end of data" not in str(error):
            return  # another fault of strict quoting ('"a"b'), which the reader reads as is
        opening = lines[0].rstrip("\r\n") if lines else ""
        shown = opening if len(opening) <= QUOTED_LINE else opening[:QUOTED_LINE] + "…"
        raise Told(
            f"{path}: line {start}: a quotation mark opens a value that is never closed; "
            "every line after it was read as part of that value",
            "unclosed-quote",
            line=str(start),
            value=shown,
        ) from None


def _ending(reader: Any, ends: list[int]) -> Iterator[list[str]]:
    """The records of a ``csv.reader``, noting in ``ends`` the line each ends on."""
    for cells in reader:
        ends.append(reader.line_num)
        yield cells


#: what a row read in another encoding than the rest of its file is told (``by_line``): a
#: legacy row of a UTF-8 file, or a UTF-8 row of a legacy file (the report says it in the
#: partner's language)
ROW_ENCODING_REASONS = {
    "legacy-encoding-row": (
        "this row is not UTF-8 as the rest of the file: read as {encoding}; check its accented "
        "letters, or save the file as UTF-8"
    ),
    "utf8-encoding-row": (
        "this row is UTF-8, unlike the rest of the file (read as {legacy}): read as UTF-8; check "
        "its accented letters, or save the file as UTF-8"
    ),
}


def _tell_legacy_lines(
    row: Row, lines: dict[int, str], ends: list[int], told: int, legacy: str | None = None
) -> int:
    """A warning on ``row`` for each record read in another encoding than the rest of the file
    (``by_line``) up to the row's last line, naming the encoding: the row's own, and the
    header's on the first row (by the header's row number); the last line told of.
    ``legacy``: the file's encoding, when the lines told are UTF-8 in a legacy file."""
    last = ends[row.number - 1] if row.number <= len(ends) else ends[-1]
    records = {
        (bisect.bisect_left(ends, number) + 1, encoding): None
        for number, encoding in lines.items()
        if told < number <= last
    }
    code = "legacy-encoding-row" if legacy is None else "utf8-encoding-row"
    for record, encoding in records:
        row.problems.append(
            Problem(
                code,
                ROW_ENCODING_REASONS[code].format(encoding=encoding, legacy=legacy),
                row=record,
                value=legacy or encoding,  # the other encoding: the row's, or the file's
                sheet=row.sheet,
                severity="warning",
            )
        )
    return last


def read_csv(path: Path, spec: dict[str, Any]) -> Iterator[Row]:
    return read_delimited(path, spec)


def check_delimiter(text: str, declared: str, header_row: int, path: Path) -> None:
    """Told (``wrong-delimiter``) when the header line is one cell cut by the ``declared``
    delimiter (the mapping's, or its format's) but several cut by the one the file's lines
    share: a file saved by Excel as "CSV (semicolon)" read with a mapping that says TSV was told
    "the column Name is missing" and "ID;Nom;Type;… is not used", not why (stranger 88)."""
    lines = first_lines(text, header_row + 20)
    if len(lines) < header_row or declared in lines[header_row - 1]:
        return
    header = lines[header_row - 1]
    found = sniff_delimiter("\n".join(lines[header_row - 1 :]))
    if found == declared or len(next(csv.reader([header], delimiter=found), [])) < 2:
        return
    raise Told(
        f"{path.name}: the header is one cell cut by {declared!r} (the mapping's delimiter), "
        f"but the file's lines are cut by {found!r}",
        "wrong-delimiter",
        found=found,
        expected=declared,
    )


def read_tsv(path: Path, spec: dict[str, Any]) -> Iterator[Row]:
    return read_delimited(path, spec, "\t")


# --------------------------------------------------------------------------- workbooks


def read_workbook(path: Path, spec: dict[str, Any]) -> Iterator[Row]:
    """XLSX or ODS: the sheet named (or numbered from 1) in the mapping; by default the first
    visible worksheet that holds a cell (a hidden, very hidden, empty or chart sheet before it
    is passed over, with a warning naming the sheet read). A sheet read that gives no record is
    told naming it and the sheets that have rows (``records-in-other-sheet``, ``empty-sheet``);
    a damaged archive is ``damaged-workbook``."""
    from python_calamine import CalamineWorkbook

    if is_delimited_text(path):
        yield from _as_named(read_delimited(path, spec), path, "CSV", ".csv")
        return
    try:
        check_archive(path, UNPACKED_LIMIT.get() or setting("max_unpacked"))
        check_workbook(path)
    except DamagedFile as error:
        raise _damaged(path, error) from None
    except UnsafeFile as error:
        raise LoadError(f"{path}: {error}", "unsafe-file") from None
    except LoadError as error:  # an XML part that is not well-formed: damaged too
        if error.code != "unreadable-file":
            raise
        raise _damaged(path, error) from None
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except STOPS:
        raise
    # calamine raises its own error types for corrupt files, and a Rust panic comes out as
    # pyo3's PanicException, which is no Exception
    except BaseException as error:
        raise _damaged(path, f"{type(error).__name__}: {error}") from None
    sheet, grid, skipped = _chosen_sheet(workbook, spec, path)
    unread = _unread_cells(path, sheet, grid)
    if not _has_cells(grid) and spec.get("header", True):  # not even a header: say which sheet
        raise _no_record(workbook, sheet, spec, path)
    first = True
    for row in _table_rows(iter(grid), spec, path, sheet, unread):
        if unread:
            _tell_unread(row, unread)
        if first and skipped:
            row.problems.append(_sheet_chosen(sheet, skipped))
        first = False
        yield row
    if first:
        raise _no_record(workbook, sheet, spec, path)


#: the first bytes of a ZIP archive, as XLSX and ODS workbooks are
ZIP_SIGNATURE = b"PK\x03\x04"
#: the member of an archive that tells a kind of workbook: the kind and its extension
WORKBOOK_MEMBERS = {"xl/workbook.xml": ("XLSX", ".xlsx"), "content.xml": ("ODS", ".ods")}
#: the bytes looked at to tell delimited text from another kind of file
SNIFFED_BYTES = 8192


def workbook_kind(path: Path) -> tuple[str, str] | None:
    """The kind and extension of the workbook ``path`` is (an XLSX or ODS archive, by its
    members), whatever its name; None for any other file."""
    with path.open("rb") as stream:
        if stream.read(len(ZIP_SIGNATURE)) != ZIP_SIGNATURE:
            return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return next((kind for member, kind in WORKBOOK_MEMBERS.items() if member in names), None)


def is_delimited_text(path: Path) -> bool:
    """Whether ``path`` is delimited text (CSV or TSV) whatever its name: no ZIP archive, no
    zero byte, not markup, and its first line cut by a delimiter into two cells or more."""
    with path.open("rb") as stream:
        head = stream.read(SNIFFED_BYTES)
    if head.startswith(ZIP_SIGNATURE) or b"\x00" in head:
        return False
    text = head.decode("utf-8-sig", "replace").lstrip()
    first = text.split("\n", 1)[0]
    if not first or first.startswith("<"):
        return False
    delimiter = sniff_delimiter(text)
    return len(next(csv.reader([first], delimiter=delimiter), [])) >= 2


def _as_named(rows: Iterator[Row], path: Path, kind: str, extension: str) -> Iterator[Row]:
    """The rows of a file read as the ``kind`` it is, not as its name says: the first row
    tells it (``misnamed-file``), with the extension its name should have."""
    for number, row in enumerate(rows):
        if number == 0:
            row.problems.append(
                Problem(
                    "misnamed-file",
                    f"the file is named {path.suffix} but is {kind}: read as {kind}; rename it "
                    f"{extension}",
                    value=kind,
                    severity="warning",
                    params=(("extension", path.suffix or "…"), ("right", extension)),
                )
            )
        yield row


class Told(LoadError):
    """A LoadError whose translated message says all (``values`` fill it): its finding gives
    no English detail beside it."""

    told = True

    def __init__(self, message: str, code: str, technical: str = "", **values: str) -> None:
        super().__init__(message, code, technical)
        self.values = values


def _damaged(path: Path, reason: object) -> LoadError:
    """A damaged workbook: the report says so in its language, and what the library said only
    after it, as a technical detail (``validation.files.file_finding``)."""
    technical = str(reason).removeprefix(f"{path.name}: ")
    return Told(
        f"{path.name}: the workbook is damaged and cannot be opened ({technical})",
        "damaged-workbook",
        technical,
        file=path.name,
    )


def _quoted(names: list[str]) -> str:
    return ", ".join(f"«{name}»" for name in names)


def _sheet_grid(workbook: Any, sheet: str, path: Path) -> list[list[Any]]:
    try:
        grid: list[list[Any]] = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except STOPS:
        raise
    except BaseException as error:  # as above: calamine's errors and Rust panics
        raise _damaged(path, f"sheet {sheet!r}: {error}") from None
    return grid


def _has_cells(grid: list[list[Any]]) -> bool:
    return any(_filled(cells) for cells in grid)


def _chosen_sheet(
    workbook: Any, spec: dict[str, Any], path: Path
) -> tuple[str, list[list[Any]], list[str]]:
    """The sheet to read, its grid and the sheets passed over before it (none when the mapping
    names the sheet, or the first sheet is read)."""
    names = workbook.sheet_names
    if not names:  # a workbook has a sheet at least: its list is lost
        raise _damaged(path, "no sheet listed")
    wanted = spec.get("sheet")
    if wanted is None:
        from python_calamine import SheetTypeEnum, SheetVisibleEnum

        skipped: list[str] = []
        for meta in workbook.sheets_metadata:
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible:
                grid = _sheet_grid(workbook, meta.name, path)
                if _has_cells(grid):
                    return meta.name, grid, skipped
            skipped.append(meta.name)
        wanted = 1
    if isinstance(wanted, int):
        if not 1 <= wanted <= len(names):
            raise Told(
                f"{path}: no sheet number {wanted}; the sheets are {names}",
                "missing-sheet",
                value=str(wanted),
                sheets=_quoted(names),
            )
        sheet = names[wanted - 1]
    elif wanted in names:
        sheet = wanted
    else:
        raise Told(
            f"{path}: no sheet named {wanted!r}; the sheets are {names}",
            "missing-sheet",
            value=str(wanted),
            sheets=_quoted(names),
        )
    return sheet, _sheet_grid(workbook, sheet, path), []


def _sheet_chosen(sheet: str, skipped: list[str]) -> Problem:
    return Problem(
        "sheet-chosen",
        f"read the sheet {sheet!r}; the sheets before it are hidden, empty or charts: {skipped}",
        sheet=sheet,
        value=sheet,
        severity="warning",
        params=(("sheet", f"«{sheet}»"), ("skipped", _quoted(skipped))),
    )


def _no_record(workbook: Any, sheet: str, spec: dict[str, Any], path: Path) -> LoadError:
    """What says that ``sheet`` gave no record: the other sheets with a row under their
    header row, if any, named."""
    header_row = spec.get("header_row", 1) if spec.get("header", True) else 0
    others = []
    for name in workbook.sheet_names:
        if name == sheet:
            continue
        try:
            grid = _sheet_grid(workbook, name, path)
        except LoadError:  # a chart sheet has no grid: it holds no record either
            continue
        if _has_cells(grid[header_row:]):
            others.append(name)
    if not others:
        return Told(
            f"{path.name}: no record in the sheet {sheet!r} (nor in another sheet)",
            "empty-sheet",
            sheet=f"«{sheet}»",
        )
    return Told(
        f"{path.name}: no record in the sheet {sheet!r}; rows in the sheets {others}",
        "records-in-other-sheet",
        sheet=f"«{sheet}»",
        others=_quoted(others),
        first=others[0],
    )


#: what an unread cell's problem says (the report says it in the partner's language)
UNREAD_REASONS = {
    "cell-error": "the cell holds the spreadsheet error {value}: its value is unknown",
    "formula-not-computed": (
        "the cell holds the formula {value}, whose result was never computed (the file was "
        "written by a program that does not compute formulas): open the file in a spreadsheet "
        "program and save it again"
    ),
}


def _unread_cells(path: Path, sheet: str, grid: list[list[Any]]) -> dict[int, list[Any]]:
    """The cells of an XLSX sheet its grid does not give as written (``loaders.workbook``), put
    right in ``grid``: a date before 1900 as its date, an error or a formula never computed as
    an empty cell; those two by row number (from 1), with their column (from 0), to be told."""
    from loaders.workbook import unread_cells

    try:
        found = unread_cells(path, sheet)
    except ValueError as error:
        raise _damaged(path, f"sheet {sheet!r}: {error}") from None
    told: dict[int, list[Any]] = {}
    for (row, column), cell in sorted(found.items()):
        if row < len(grid) and column < len(grid[row]):
            grid[row][column] = "" if cell.value is None else cell.value
            if cell.code is not None:
                told.setdefault(row + 1, []).append((column, cell))
    return told


def _tell_unread(row: Row, unread: dict[int, list[Any]]) -> None:
    """An error of ``row`` for each of its cells whose value is unknown (``_unread_cells``)."""
    columns = list(row.values)
    for column, cell in unread.get(row.number, ()):
        if column < len(columns):
            row.problems.append(
                Problem(
                    cell.code,
                    UNREAD_REASONS[cell.code].format(value=cell.written),
                    row=row.number,
                    column=columns[column],
                    value=cell.written,
                    sheet=row.sheet,
                )
            )


# --------------------------------------------------------------------------- JSON family


def flatten(value: Any, prefix: str = "", into: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested objects to dotted keys; lists are kept as values (several values of one field)."""
    into = {} if into is None else into
    if isinstance(value, dict):
        for key, inner in value.items():
            flatten(inner, f"{prefix}{key}.", into)
    elif prefix:
        into[prefix[:-1]] = value
    return into


def _load_json(path: Path, spec: dict[str, Any]) -> tuple[Any, str | None]:
    """A JSON file's data, and the encoding it was read in when that is not UTF-8 (RFC 8259:
    JSON is UTF-8), for the notice a CSV file gets (``legacy-encoding``)."""
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(f"{path}: the file is empty", "empty-file")
    text = read_text(data, "auto", path, spec.get("language"))
    try:
        return json.loads(text.text), text.not_utf8()
    except json.JSONDecodeError as error:
        raise LoadError(
            f"{path}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise LoadError(f"{path}: the JSON is nested too deeply to be read") from None
    except ValueError as error:  # a number past Python's int-digits limit, among others
        raise LoadError(f"{path}: a value of this JSON cannot be read ({error})") from None


def _at(data: Any, dotted: str, path: Path) -> list[Any]:
    for step in filter(None, dotted.split(".")):
        if not isinstance(data, dict) or step not in data:
            raise LoadError(f"{path}: no {dotted!r} in this JSON file (stopped at {step!r})")
        data = data[step]
    if not isinstance(data, list):
        raise _not_a_list(data, dotted, path)
    if data and not any(isinstance(record, dict) for record in data):
        raise Told(
            f"{path}: {dotted or 'the top level'!r} is a list of values, not of records",
            "not-a-record-list",
        )
    return data


#: how deep in a JSON object the lists of records are looked for, to be named
RECORD_LIST_DEPTH = 3


def record_lists(data: Any, prefix: str = "", depth: int = RECORD_LIST_DEPTH) -> list[str]:
    """The dotted keys of a JSON object that hold a list of objects (records), the shallower
    first: what a mapping's ``records`` may name."""
    if not isinstance(data, dict) or depth == 0:
        return []
    found, deeper = [], []
    for key, value in data.items():
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            found.append(f"{prefix}{key}")
        else:
            deeper += record_lists(value, f"{prefix}{key}.", depth - 1)
    return found + deeper


def _not_a_list(data: Any, dotted: str, path: Path) -> LoadError:
    """What says that a JSON file holds no list of records where the mapping reads them: the
    keys that hold one, if any, and the mapping's option that reads it (``records``)."""
    where = dotted or "the top level"
    keys = record_lists(data)
    if not keys:
        return Told(f"{path}: {where!r} is not a list of records", "not-a-record-list")
    return Told(
        f"{path}: {where!r} is not a list of records; lists of records are under {keys}",
        "records-under-key",
        keys=_quoted(keys),
        first=keys[0],
    )


def _json_rows(
    records: list[Any], spec: dict[str, Any], data: Any, path: Path, legacy: str | None = None
) -> Iterator[Row]:
    """The rows of a JSON file's ``records``; the first bears the notice of its encoding when it
    is not UTF-8 (``legacy``), as a CSV file's does."""
    joins = {}
    for prefix, join in spec.get("joins", {}).items():
        others = _at(data, join["records"], path)
        joins[prefix] = (
            join["on"],
            {str(o.get(join["key"])): o for o in others if isinstance(o, dict)},
        )
    counter = Counter(path.name)
    if len(records) > counter.caps.rows:
        raise too_many_rows(path.name, len(records), counter.caps)
    for number, record in enumerate(records, start=1):
        values = flatten(record) if isinstance(record, dict) else {"value": record}
        counter.add(len(values))
        row = Row(number, values)
        if number == 1 and legacy is not None:
            row.problems.append(_legacy_notice(legacy))
        for prefix, (on, index) in joins.items():
            ref = values.get(on)
            if ref is None:
                continue
            if str(ref) in index:
                flatten(index[str(ref)], f"{prefix}.", values)
            else:
                row.problems.append(
                    Problem(
                        "broken-join",
                        f"no {prefix} with id {ref!r} in this file",
                        row=number,
                        column=on,
                        value=str(ref),
                    )
                )
        yield row


def read_json(path: Path, spec: dict[str, Any]) -> Iterator[Row]:
    data, legacy = _load_json(path, spec)
    return _json_rows(_at(data, spec.get("records", ""), path), spec, data, path, legacy)


def read_geojson(path: Path, spec: dict[str, Any]) -> Iterator[Row]:
    data, legacy = _load_json(path, spec)
    return _json_rows(_at(data, spec.get("records", "features"), path), spec, data, path, legacy)


def read_overpass(path: Path, spec: dict[str, Any]) -> Iterator[Row]:
    """OpenStreetMap Overpass API JSON: nodes (lat, lon) and ways (center.lat, center.lon), tags.

    Each row also has the column ``element``, ``{type}/{id}``, for the field ``osm``.
    """
    data, legacy = _load_json(path, spec)
    records = _at(data, spec.get("records", "elements"), path)
    for row in _json_rows(records, spec, data, path, legacy):
        kind, number = row.values.get("type"), row.values.get("id")
        if kind and number is not None:
            row.values["element"] = f"{kind}/{number}"
        yield row


#: format (mapping file.format) -> reader
READERS: dict[str, Reader] = {
    "csv": read_csv,
    "tsv": read_tsv,
    "xlsx": read_workbook,
    "ods": read_workbook,
    "json": read_json,
    "geojson": read_geojson,
    "overpass": read_overpass,
}


def _kept(row: Row, conditions: list[dict[str, Any]], missing: frozenset[str]) -> bool:
    """Whether one condition holds; values are compared as the loader reads terms (case,
    accents, spacing and dashes aside, 75.0 as 75), and a "no value" cell is not present."""
    for condition in conditions:
        value = row.values.get(condition["column"])
        if "in" in condition and _folded(value, missing) & _wanted(tuple(condition["in"])):
            return True
        if condition.get("present") is True and _folded(value, missing):
            return True
        if "box" in condition and _in_box(value, condition["box"]):
            return True
    return False


def _folded(value: Any, missing: frozenset[str]) -> set[str]:
    """A cell's values (a JSON list holds several) as compared by ``include``; none for an
    empty or "no value" cell."""
    found = set()
    for item in value if isinstance(value, list) else [value]:
        if item is None or isinstance(item, dict | list):
            continue
        text = tables.fold(as_text(item))
        if text and text not in tables.null_tokens() and text not in missing:
            found.add(text)
    return found


@lru_cache(maxsize=256)
def _wanted(values: tuple[Any, ...]) -> frozenset[str]:
    return frozenset(tables.fold(as_text(v)) for v in values)


def _in_box(value: Any, box: list[float]) -> bool:
    """Whether a [longitude, latitude] pair lies in [west, south, east, north]."""
    if not isinstance(value, list) or len(value) < 2:
        return False
    try:
        lon, lat = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        return False
    west, south, east, north = box
    return west <= lon <= east and south <= lat <= north


def read_rows(
    path: Path,
    file_format: str,
    spec: dict[str, Any],
    missing: frozenset[str] = frozenset(),
    language: str | None = None,
    numbers: dict[str, bool] | None = None,
    known: frozenset[str] = frozenset(),
) -> Iterator[Row | None]:
    """The rows of a file; ``None`` stands for a row left out by the mapping's include filter
    (``missing``: the source's own "no value" tokens, folded, besides the usual ones;
    ``language``: the mapping's, whose legacy encoding a file that is not UTF-8 is read in
    first, ``read_text``; ``numbers``: the columns read as numbers (True: with decimals), where
    a row too long for its header is looked at for a decimal comma, ``Widths``; ``known``: the
    columns the mapping reads, which a header written otherwise is read as, ``Headers``)."""
    if not path.is_file():
        raise LoadError(f"{path}: no such file", "no-such-file")
    conditions = spec.get("include")
    given = {**spec, "number_columns": numbers or {}}
    if language is not None:
        given["language"] = language
    headers = Headers(known)
    for row in READERS[file_format](path, given):
        mend_characters(row)
        headers.rename(row)
        yield row if not conditions or _kept(row, conditions, missing) else None


#: what a legacy encoding writes for a character it cannot hold (Excel's "?")
UNWRITABLE = "?"


def header_key(header: str) -> str:
    """A header as compared with the mapping's columns: NFKC (a superscript ² as 2, a
    ligature ﬁ as fi, a no-break space as a space), case and spacing aside."""
    return " ".join(unicodedata.normalize("NFKC", header).casefold().split())


def header_matches(written: str, column: str) -> bool:
    """Whether the header ``written`` is the mapping's ``column`` written otherwise: the same
    but for ``header_key``, or for a ``?`` standing for each character the file's encoding
    could not hold ("Površina (m?)" for "Površina (m²)")."""
    if header_key(written) == header_key(column):
        return True
    if UNWRITABLE not in written:
        return False
    pattern = ".".join(re.escape(part) for part in written.split(UNWRITABLE))
    return any(
        re.fullmatch(pattern, form, re.IGNORECASE | re.DOTALL) is not None
        for form in (column, unicodedata.normalize("NFKC", column))
    )


def header_matches_plainly(written: str, column: str) -> bool:
    """Whether the header ``written`` is the mapping's ``column`` but for its letters' accents
    and diacritics ("Prix journee" for "Prix journée", "Povrsina" for "Površina", "Εμβαδον"
    for "Εμβαδόν"; ``tables.fold``)."""
    return tables.fold(header_key(written)) == tables.fold(header_key(column))


#: how a header is matched with the mapping's columns, the closest first: accents are only
#: looked past when nothing matches with them ("TELEPHONE" is "Telephone", not "Téléphone")
HEADER_MATCHES = (header_matches, header_matches_plainly)


def matching_columns(written: str, columns: Iterable[str]) -> list[str]:
    """The columns the header ``written`` matches in the closest way any does
    (``HEADER_MATCHES``)."""
    columns = list(columns)
    for matches in HEADER_MATCHES:
        found = [column for column in columns if matches(written, column)]
        if found:
            return found
    return []


@dataclass
class Headers:
    """The headers of a file read as the mapping's columns (``known``) they stand for: one
    that is no column of the mapping but matches exactly one of them (``matching_columns``) is
    renamed, and told once (``header-read-as``)."""

    known: frozenset[str]
    renames: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    columns: dict[str, str | None] = field(default_factory=dict)
    told: set[str] = field(default_factory=set)

    def rename(self, row: Row) -> None:
        if not self.known:
            return
        names = tuple(row.values)
        renames = self.renames.get(names)
        if renames is None:
            renames = self.renames[names] = self._renames(names)
        if not renames:
            return
        row.values = {renames.get(name, name): cell for name, cell in row.values.items()}
        for written_as, column in renames.items():
            if written_as not in self.told:
                self.told.add(written_as)
                row.problems.append(
                    Problem(
                        "header-read-as",
                        f"the column {written_as!r} is read as {column!r}",
                        column=column,
                        value=written_as,
                        sheet=row.sheet,
                        severity="warning",
                    )
                )

    def _renames(self, names: tuple[str, ...]) -> dict[str, str]:
        present = set(names)
        renames = {}
        for name in names:
            if name not in self.known:
                column = self._column(name)
                if column is not None and column not in present:
                    renames[name] = column
        return renames

    def _column(self, name: str) -> str | None:
        """The one column of the mapping the header ``name`` matches, else None (decided once
        per header: a JSON file's records give many sets of keys)."""
        if name not in self.columns:
            matches = matching_columns(name, self.known)
            self.columns[name] = matches[0] if len(matches) == 1 else None
        return self.columns[name]


#: a UTF-16 surrogate alone: a JSON string may hold one (``"\ud800"``) and a workbook's escaped
#: text too; it is no character, and no UTF-8 writer (N-Triples, the reports) can write it
_SURROGATE = re.compile("[\ud800-\udfff]")
#: what stands in its place, reported
REPLACEMENT = "\ufffd"


def _mended(value: Any) -> tuple[Any, bool]:
    """``value`` (a cell: text, number, or a JSON list or object) with each lone surrogate
    replaced, and whether there was one."""
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value, False
        return _SURROGATE.sub(REPLACEMENT, value), True
    if isinstance(value, list):
        items = [_mended(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if isinstance(value, dict):
        pairs = [(_mended(k), _mended(v)) for k, v in value.items()]
        changed = any(kc or vc for (_, kc), (_, vc) in pairs)
        return {k: v for (k, _), (v, _) in pairs}, changed
    return value, False


def _has_surrogate(values: dict[str, Any]) -> bool:
    """Whether a column name or a cell of a row holds a lone surrogate."""
    search = _SURROGATE.search
    if search("".join(values)):
        return True
    try:  # a table's cells are all text: looked at in one piece
        return search("".join(values.values())) is not None
    except TypeError:  # a number, list or object of a JSON record or a spreadsheet
        return any(
            search(cell) if isinstance(cell, str) else _mended(cell)[1] for cell in values.values()
        )


def mend_characters(row: Row) -> None:
    """Replace in ``row`` (its column names and cells) each lone surrogate by U+FFFD, with an
    error of its cell: a value is never written with one (a traceback, regression), nor
    changed silently. A row without one is left as it is (every row of every file passes
    here: most are plain text, read by a strict decoder)."""
    if not _has_surrogate(row.values):
        return
    values: dict[str, Any] = {}
    for key, cell in row.values.items():
        column, named = _mended(key)
        value, written = _mended(cell)
        values[column] = value
        if named or written:
            row.problems.append(
                Problem(
                    "not-a-character",
                    "a lone UTF-16 surrogate, which is no character, replaced by U+FFFD",
                    row=row.number,
                    column=column,
                    value=as_text(value)[:200],
                    sheet=row.sheet,
                )
            )
    row.values = values
