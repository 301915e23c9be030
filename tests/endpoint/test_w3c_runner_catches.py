"""The W3C protocol runner of ``test_w3c_protocol`` fails when the server is wrong.

The same runner is pointed at the real app wrapped in a WSGI middleware that breaks one thing
the manifests expect: it flips every boolean result, or gives every successful answer another
content type, or answers garbage in the right content type, or answers 200 where the app
refused (4xx). For each, every manifest test that expects that thing must be reported failing
(the published runner checks the status alone, so most of its tests pass whatever the server
answers). The honest server passes the same tests: ``test_w3c_protocol.test_w3c``, the control."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from coworkmed.serving import serve_in_thread
from endpoint.app import create_app
from tests.backends import oxigraph_published
from tests.endpoint.test_w3c_protocol import CASES, TOKEN, Case, Step, run_case

StartResponse = Callable[..., Any]
Headers = list[tuple[str, str]]


def _flip(body: bytes) -> bytes:
    swap = {b"true": b"false", b"false": b"true"}
    json_flipped = re.sub(rb'("boolean"\s*:\s*)(true|false)', lambda m: m[1] + swap[m[2]], body)
    return re.sub(rb"(<boolean>)(true|false)", lambda m: m[1] + swap[m[2]], json_flipped)


def _answered(status: str) -> bool:
    """A success with content (an empty graph is content too): not a 204."""
    return status.startswith("2") and not status.startswith("204")


def _retyped(status: str, headers: Headers, body: bytes) -> tuple[str, Headers, bytes]:
    if not _answered(status):
        return status, headers, body
    kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
    return status, [*kept, ("Content-Type", "text/plain")], body


def _garbage(status: str, headers: Headers, body: bytes) -> tuple[str, Headers, bytes]:
    if not _answered(status):
        return status, headers, body
    return status, headers, b"<<< not what the content type says"


def _errors_ok(status: str, headers: Headers, body: bytes) -> tuple[str, Headers, bytes]:
    return ("200 OK" if status.startswith("4") else status), headers, body


#: how the wrong server is wrong -> what it does to (status, headers, body)
BREAKS: dict[str, Callable[[str, Headers, bytes], tuple[str, Headers, bytes]]] = {
    "flips booleans": lambda status, headers, body: (status, headers, _flip(body)),
    "changes the content type": _retyped,
    "answers garbage": _garbage,
    "answers 200 for errors": _errors_ok,
}


def _steps(case: Case, wanted: Callable[[Step], bool]) -> bool:
    return any(wanted(step) for step in case.steps)


def _expects_body(step: Step) -> bool:
    return step.method != "HEAD" and bool(step.expected.result_format or step.expected.graph)


#: how the server is wrong -> the manifest tests that must then fail
MUST_FAIL: dict[str, Callable[[Case], bool]] = {
    "flips booleans": lambda case: _steps(case, lambda s: s.expected.boolean is not None),
    "changes the content type": lambda case: _steps(
        case,
        lambda s: s.method != "HEAD" and bool(s.expected.result_format or s.expected.content_type),
    ),
    "answers garbage": lambda case: _steps(case, _expects_body),
    "answers 200 for errors": lambda case: _steps(
        case, lambda s: bool(s.expected.statuses) and min(s.expected.statuses) >= 400
    ),
}


class Wrong:
    """A WSGI middleware: ``app``'s answers, broken by ``BREAKS[how]``."""

    def __init__(self, app: Any, how: str) -> None:
        self.app, self.how = app, how

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answered: dict[str, Any] = {}

        def keep(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
            answered.update(status=status, headers=headers)
            return lambda _data: None

        result = self.app(environ, keep)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        status, headers, body = BREAKS[self.how](answered["status"], answered["headers"], body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    store = oxigraph_published(tmp_path_factory.mktemp("w3c-wrong"))
    with store.location.writer() as empty:
        store.location.snapshot(empty)
    app = create_app(store.config(query_workers=1, update_token=TOKEN))
    yield app
    app.extensions["coworkmed.pool"].close()


@pytest.mark.shared("w3c")
@pytest.mark.parametrize("how", sorted(BREAKS))
def test_the_runner_fails_when_the_server_is_wrong(app: Any, how: str) -> None:
    cases = {name: case for name, case in CASES.items() if MUST_FAIL[how](case)}
    assert len(cases) >= 3, f"the manifests have too few tests that check this: {sorted(cases)}"
    with serve_in_thread(Wrong(app, how)) as wrong:
        passed_wrong = sorted(
            name
            for name, case in cases.items()
            if not run_case(wrong.removeprefix("http://"), case)
        )
    assert passed_wrong == [], f"the runner let these pass on a server that {how}"
