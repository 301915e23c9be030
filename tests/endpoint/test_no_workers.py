"""A server whose worker processes cannot start (their fork server's socket cannot be made: a
temporary folder with a long path, as pytest-xdist's are) says so. Regression: `coworkmed
serve` started, /health answered 503 and every query 500 ("internal error"), for ever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from coworkmed.serving import free_port

#: a temporary folder whose path leaves no room for the fork server's socket (107 bytes)
LONG = "cw-" + "x" * 100

#: in a fresh process (the tests' own fork server runs already): what the app answers
PROGRAM = """
import json, sys
sys.path.insert(0, {root!r})
from endpoint.app import create_app
from tests.clients import multipart
client = create_app({{"store": {store!r}, "dumps_refresh": 0}}).test_client()
answers = {{}}
answer = client.get("/sparql", query_string={{"query": "ASK {{}}"}})
answers["query"] = [answer.status_code, answer.get_data(as_text=True)]
body, kind = multipart("small.csv", b"id,name\\n1,a\\n", {{}})
answer = client.post("/api/validate", data=body, content_type=kind)
answers["validation"] = [answer.status_code, answer.get_data(as_text=True)]
print(json.dumps(answers))
"""

ROOT = Path(__file__).parents[2]


def _long_temporary(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / LONG
    folder.mkdir()
    return {**os.environ, "TMPDIR": str(folder), "COWORKMED_DUMPS_REFRESH": "0"}


def test_serve_refuses_to_start_saying_why(store_path: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "coworkmed.cli", "serve", "--store", str(store_path)]
    command += ["--port", str(free_port())]
    ended = subprocess.run(
        command, env=_long_temporary(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert ended.returncode == 1, ended.stderr
    assert "worker processes cannot be started" in ended.stderr
    assert "set TMPDIR to a shorter folder" in ended.stderr


def test_queries_and_validations_are_503_saying_why(store_path: Path, tmp_path: Path) -> None:
    code = PROGRAM.format(root=str(ROOT), store=str(store_path))
    ended = subprocess.run(
        [sys.executable, "-c", code],
        env=_long_temporary(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert ended.returncode == 0, ended.stderr
    answers = json.loads(ended.stdout.strip().splitlines()[-1])
    for door, (status, said) in answers.items():
        assert status == 503, (door, said)
        assert "set TMPDIR to a shorter folder" in said, (door, said)
