"""What ``bench/bench_backends.py`` counts as the endpoint's memory: the server and every
process under it, on a real ``coworkmed serve``."""

from __future__ import annotations

import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_backends import command, peak_memory_mb, server_family, status  # noqa: E402

from coworkmed.serving import serve_process  # noqa: E402


def test_the_endpoints_memory_counts_its_query_workers(store_path: Path, tmp_path: Path) -> None:
    """Regression (issue #20): the query workers are started by a fork server, the server's
    child, so they are its grandchildren; the bench summed the server and its children alone
    (at 100,000 spaces 605 MB, where the server and its workers share about 510 MB and their
    peaks sum to about 900 MB)."""
    store = tmp_path / "store"
    shutil.copytree(store_path, store)
    with serve_process(store, {"COWORKMED_QUERY_WORKERS": "2"}) as base:
        body = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
        request = urllib.request.Request(f"{base}/sparql", data=body.encode())
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert answer.status == 200
        port = int(base.rsplit(":", 1)[1])
        family = server_family(port)
        server = family[0]
        parent = {pid: status(pid).get("PPid", "").strip() for pid in family}
        grandchildren = [pid for pid in family if parent.get(parent[pid]) == server]
        assert grandchildren, f"no process under the server's children: {family}"
        assert all(b"forkserver" in command(Path(f"/proc/{pid}")) for pid in grandchildren)
        peak, now, share, mapped = peak_memory_mb(port)
        # read one after the other while the processes run: each is positive, not ordered
        assert min(peak, now, share, mapped) > 0 and mapped < share
