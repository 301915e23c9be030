"""Problems found while loading: each names the place (row, column), the value and the reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class ValueProblem(Exception):
    """A cell that cannot be read: ``code`` is stable (to translate), ``reason`` is in English;
    ``params`` fill the translated sentence's placeholders besides the value ({result}...)."""

    #: an error leaves the row out of what is published; a warning only leaves the value out
    severity = "error"

    def __init__(self, code: str, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.params = params


class AmbiguousValue(ValueProblem):
    """A cell with several readings and nothing to choose between them (a number or a date whose
    marks or order depend on a locale the source does not give): left out, with a warning that
    names the readings, never guessed."""

    severity = "warning"


class LoadError(Exception):
    """The load as a whole cannot go on (unreadable file, bad mapping): nothing is written.
    ``code`` is stable (to translate: validation/messages.yaml), the message is in English."""

    #: whether the translated message says all there is (a report gives no English detail)
    told = False
    #: what the library that failed to read the file said (a zip archive's "Bad CRC-32..."):
    #: a report gives it only after a sentence in its own language
    technical = ""
    #: the language of the message: English, but a load's that failed says its report's
    language = "en"

    def __init__(
        self, message: str, code: str = "unreadable-file", technical: str = "", **values: Any
    ) -> None:
        """``values`` fill the partner's message of ``code`` (where in the file, a limit...):
        a report in the partner's language has no English detail (``validation.report``);
        ``technical``: what the library that failed said."""
        super().__init__(message)
        self.code = code
        self.values = values
        if technical:
            self.technical = technical

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its attributes, whatever its subclass's ``__init__`` takes: an error
        raised in a worker process (``core.workers.run_confined``) comes back whole."""
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(kind: type[LoadError], args: tuple[Any, ...], state: dict[str, Any]) -> LoadError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class StoreFault(LoadError):
    """The store cannot take a write: its disk is full or read-only, it cannot be opened, or
    the external store does not answer. Nothing was written, and the source is not to blame:
    the operator's to mend (the CLI exits 74, not the 2 of a source that cannot be loaded)."""


class StoreBusy(StoreFault):
    """The store cannot be written now: another process holds it, or it does not answer. Its
    message names the store (a folder, a URL) and what the engine said, for the command line
    and the server's log; a web client is told ``public`` (stranger 72: 503s showed the
    store's path and the engine's IO error)."""

    #: what a web client is told
    public = (
        "the store cannot be written just now (busy, or out of reach); nothing was changed, "
        "try again in a few seconds"
    )


class StoreLocked(StoreBusy):
    """Another process is writing the store (a load, a publication, a server's write): trying
    again later may succeed (the CLI exits 75 for it)."""

    public = (
        "the store is busy: another process is writing it; nothing was changed, try again in "
        "a few seconds"
    )


@dataclass(frozen=True)
class Problem:
    """One problem of a load, located as precisely as the source allows."""

    code: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    field: str | None = None
    sheet: str | None = None
    severity: str = "error"
    #: placeholders of the translated sentence besides value and column, as (name, text) pairs
    params: tuple[tuple[str, str], ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        found = {k: v for k, v in asdict(self).items() if v is not None}
        if self.params:
            found["params"] = dict(self.params)
        return found

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"sheet {self.sheet}" if self.sheet else "",
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column!r}" if self.column else "",
            )
            if part
        )
        value = f" value {self.value!r}:" if self.value is not None else ""
        return f"{where}:{value} {self.reason}" if where else f"{self.reason}"
