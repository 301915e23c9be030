"""Layer 1, the file: found, not empty, under the size cap; and how a file that cannot be read
(encoding, delimiter, sheet, a cap of ``loaders.caps``) becomes a finding.
"""

from __future__ import annotations

from pathlib import Path

from core.problems import LoadError
from validation.findings import Finding
from validation.messages import problem_message, ui

#: the largest file a partner may submit, in bytes
MAX_FILE_BYTES = 20 * 1024 * 1024


def file_finding(error: LoadError, lang: str) -> Finding:
    values = getattr(error, "values", {})  # a cap's limit (loaders.caps.TooBig)
    message = problem_message(error.code, lang, **values) or problem_message(
        "unreadable-file", lang
    )
    # an error whose translated message says all (``told``) has no English detail beside it;
    # what a library said is a technical detail after a sentence in the report's language
    detail = "" if error.told else str(error)
    if error.technical:
        detail = ui("technical-detail", lang).format(
            file=values.get("file", ""), technical=error.technical
        )
    return Finding("file", error.code, "error", message or str(error), detail=detail)


def size_text(count: int, lang: str) -> str:
    """A number of bytes as people of ``lang`` read it: 20 MB, 500 kB, 100 B (20 Mo in
    French), the unit kept on the number's line (a no-break space)."""
    for unit, size in (("MB", 1_048_576), ("kB", 1024)):
        if count >= size:
            return f"{count / size:.0f}\u00a0{ui(f'unit-{unit}', lang)}"
    return f"{count}\u00a0{ui('unit-B', lang)}"


def check_file(path: Path, lang: str, max_bytes: int) -> Finding | None:
    if not path.is_file():
        return file_finding(LoadError(f"{path}: no such file", "no-such-file"), lang)
    size = path.stat().st_size
    if size == 0:
        return file_finding(LoadError(f"{path}: the file is empty", "empty-file"), lang)
    if size > max_bytes:
        limit = size_text(max_bytes, lang)
        message = problem_message("too-large", lang, limit=limit) or ""
        return Finding("file", "too-large", "error", message, detail=f"{size} bytes")
    return None
