"""Worker processes start from one fork server per program (multiprocessing's "forkserver":
safe from a threaded server, and a worker is a fork of an already-loaded interpreter, about
20 ms, instead of a new one, 130 ms and more under load). The fork server is shared by every
kind of worker, so it loads what all of them need: query workers (``endpoint.executor``) and
validation workers (``validation.engine``).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import BaseContext

#: modules the fork server loads before forking any worker
PRELOAD = ["pyoxigraph", "rdflib", "pyshacl", "validation.engine", "endpoint.executor"]


def worker_context() -> BaseContext:
    """The multiprocessing context every worker pool uses."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context
