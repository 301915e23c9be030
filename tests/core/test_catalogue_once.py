"""A catalogue is read once, by one thread, however many ask for it at once (stranger 61: 20
uploads to a server just started each read the reports' catalogue, and the server kept the
400 MB it grew by)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import translations


@pytest.mark.parametrize("readers", [2, 8, 32])
def test_readers_at_once_read_a_catalogue_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, readers: int
) -> None:
    path = tmp_path / f"catalogue-{readers}.yaml"
    path.write_text("words: {hello: {en: Hello, fr: Bonjour}}\n", encoding="utf-8")
    reads: list[int] = []
    read = yaml.load

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        time.sleep(0.2)  # a large catalogue: the others ask meanwhile
        return read(*args, **kwargs)

    monkeypatch.setattr(translations.yaml, "load", slow_read)
    start = threading.Barrier(readers)
    found: list[Any] = []

    def reader() -> None:
        start.wait()
        found.append(translations.load_catalogue(path))

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reads) == 1
    assert len(found) == readers and all(value is found[0] for value in found)
    assert found[0]["words"]["hello"]["fr"] == "Bonjour"
