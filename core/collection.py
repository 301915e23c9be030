"""The garbage collector paused while one bulk computation runs (a validation, a report).

A validation makes hundreds of thousands of objects that live until it ends (rows, terms,
results, findings) and almost none in cycles: the collector, run every 700 allocations, went
through all of them again and again (a quarter of the processor time of a 10,000-row
validation's parent). Paused for the computation, it runs as usual after: the few cycles made
are collected then. Nested pauses (a report written within a validation, two threads
validating) resume collection when the last one ends, and only if it was running before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"paused": 0, "was_enabled": False}


@contextmanager
def paused_collection() -> Iterator[None]:
    """No garbage collection within the block (the collector's state is restored after);
    usable as a decorator."""
    with _lock:
        if _state["paused"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["paused"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["paused"] -= 1
            if _state["paused"] == 0 and _state["was_enabled"]:
                gc.enable()
