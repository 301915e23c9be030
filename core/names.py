"""How the name of a file (a partner's, given on the command line or sent with an upload) is
shown and recorded: one line of text that any encoding writes. A name not in UTF-8 (bytes the
system kept as surrogate escapes) made an RDF literal, a JSON report or a printed line fail with
a traceback, and a name holding a newline printed as two lines of ``coworkmed submissions``, the
second one a forged publication of another partner (stranger 76)."""

from __future__ import annotations

import re

#: what a shown name may not hold, each replaced by U+FFFD: the halves of a surrogate pair (a
#: byte no encoding decoded), control characters (a newline, ESC), the line separators and the
#: bidirectional overrides (stranger 77: U+202E shows the rest of a line backwards)
_UNSHOWN = re.compile("[\ud800-\udfff\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def shown_name(name: str) -> str:
    """``name`` as one line of valid text: what it may not hold (``_UNSHOWN``) replaced by
    U+FFFD, one for each character (or undecodable byte)."""
    return _UNSHOWN.sub("\ufffd", name)


#: what a printed message may not hold, each replaced by U+FFFD: as ``_UNSHOWN`` but its own
#: line ends (a name in it may still not break its line: ``shown_name`` it first)
_UNPRINTED = re.compile("[\ud800-\udfff\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printed(message: str) -> str:
    """``message`` as a command prints it: no byte that is not text, no control character but
    its line ends (stranger 77: a name's ESC sequence reached the terminal in an error)."""
    return _UNPRINTED.sub("\ufffd", message)
