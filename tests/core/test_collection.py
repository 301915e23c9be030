"""The garbage collector paused for a computation, and its state given back after
(``core.collection``): resumed when the outermost pause ends, and only if it was running."""

from __future__ import annotations

import gc

import pytest

from core.collection import paused_collection


@pytest.mark.parametrize("running", [True, False])
def test_nested_pauses_give_back_the_collectors_state(running: bool) -> None:
    was = gc.isenabled()
    (gc.enable if running else gc.disable)()
    try:
        with paused_collection():
            assert not gc.isenabled()
            with paused_collection():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer pause still runs
        assert gc.isenabled() == running
    finally:
        (gc.enable if was else gc.disable)()


def test_a_failing_computation_gives_back_the_collector() -> None:
    @paused_collection()
    def failing() -> None:
        assert not gc.isenabled()
        raise ValueError("failed")

    assert gc.isenabled()
    with pytest.raises(ValueError, match="failed"):
        failing()
    assert gc.isenabled()
