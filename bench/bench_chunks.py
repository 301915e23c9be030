"""What a chunked request body costs the server, waitress's own reader against ours
(``coworkmed.serving.BoundedChunks``), side by side in one run (stranger 91: 20 MB of chunk
lines cost waitress 20 s of CPU).

    .venv/bin/python bench/bench_chunks.py [MEGABYTES]        (default: 20)

Two servers run the same plain WSGI application (it reads the body and answers its length) in
processes of their own on loopback: (waitress) ``waitress.create_server``, (ours)
``coworkmed.serving.make_server``. Each is sent, once, bodies of MEGABYTES on the wire:

- fair: 4 KB chunks, as clients send them (both must read it whole);
- a line per chunk (28 bytes, as a client streaming a JSON file line by line), 1.5 MB, and
  200-byte chunks, about the smallest ours reads past 2 MB (both must read them; the second is
  about the most a body of MEGABYTES can cost ours);
- one-byte chunks: ``1\\r\\nx\\r\\n`` repeated;
- an endless chunk-size line: ``000...01``.

Printed for each body and server: the status answered, the server's CPU seconds spent on it
(its user and system time, from /proc, before and after), the client's wall seconds, and the
ratio waitress / ours.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from coworkmed.serving import free_port  # noqa: E402

SERVER = """
import sys
from waitress.server import create_server
from coworkmed.serving import make_server

def app(environ, start_response):
    length = len(environ["wsgi.input"].read())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(length).encode()]

build = create_server if sys.argv[1] == "waitress" else make_server
build(app, host="127.0.0.1", port=int(sys.argv[2]), threads=2,
      max_request_body_size=1 << 40).run()
"""


def bodies(megabytes: int) -> dict[str, bytes]:
    """The bodies sent, each about ``megabytes`` on the wire."""
    size = megabytes << 20
    fair = b"1000\r\n" + b"x" * 4096 + b"\r\n"
    small = b"c8\r\n" + b"y" * 200 + b"\r\n"
    line = b"1c\r\n" + b"z" * 28 + b"\r\n"
    tiny = b"1\r\nx\r\n"
    return {
        "fair: 4 KB chunks": fair * (size // len(fair)) + b"0\r\n\r\n",
        "a line per chunk, 1.5 MB": line * ((3 << 19) // len(line)) + b"0\r\n\r\n",
        "200-byte chunks": small * (size // len(small)) + b"0\r\n\r\n",
        "one-byte chunks": tiny * (size // len(tiny)) + b"0\r\n\r\n",
        "an endless chunk-size line": b"0" * size + b"1\r\nx\r\n0\r\n\r\n",
    }


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def send(port: int, body: bytes) -> tuple[str, float]:
    """The status line answered to ``body`` (POSTed chunked), and the seconds it took."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=600) as sock:
        head = b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked"
        sock.sendall(head + b"\r\n\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(body)  # a server that refuses it closes before the end
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while piece := sock.recv(65_536):
                answer += piece
    return answer.split(b"\r\n", 1)[0].decode(), time.perf_counter() - started


def started(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    """A server of ``kind`` (waitress or ours), listening, and its port."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", SERVER, kind, str(port)], env=env)
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return process, port
        time.sleep(0.05)
    raise SystemExit(f"the {kind} server did not start")


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    servers = {kind: started(kind) for kind in ("waitress", "ours")}
    try:
        print(f"chunked bodies of {megabytes} MB on the wire, one request each")
        print(f"{'body':28} {'server':9} {'status':26} {'CPU s':>7} {'wall s':>7}")
        for name, body in bodies(megabytes).items():
            spent: dict[str, float] = {}
            for kind, (process, port) in servers.items():
                before = cpu_seconds(process.pid)
                status, wall = send(port, body)
                spent[kind] = cpu_seconds(process.pid) - before
                print(f"{name:28} {kind:9} {status:26} {spent[kind]:7.2f} {wall:7.2f}")
            ratio = spent["waitress"] / max(spent["ours"], 0.01)
            print(f"{'':28} CPU waitress / ours: {ratio:.1f}")
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
