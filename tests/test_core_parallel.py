"""Worker processes for CPU-bound row work (kehu/core/parallel.py, INFO-9 import speed, CRASH-2)."""

from __future__ import annotations

import pytest

from kehu.core import parallel

pytestmark = pytest.mark.req("INFO-9")


@pytest.fixture
def forked(settings, monkeypatch):
    settings.KEHU_IMPORT_WORKERS = 2
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)


def _squares(items: list[int], chunk: int) -> list[list[int]]:
    return list(parallel.chunks(lambda n: n * n, items, chunk=chunk))


def test_results_come_in_order_and_in_chunks_whatever_the_processes(forked, settings):
    items = list(range(23))
    expected = [[n * n for n in items[start:start + 5]] for start in range(0, 23, 5)]
    assert _squares(items, 5) == expected
    settings.KEHU_IMPORT_WORKERS = 1
    assert _squares(items, 5) == expected
    assert _squares([], 5) == []


def test_a_small_input_starts_no_process(monkeypatch):
    monkeypatch.setattr(parallel.multiprocessing, "get_context", lambda *_a: pytest.fail("forked"))
    assert _squares(list(range(parallel.MIN_ITEMS - 1)), 500)[0][:3] == [0, 1, 4]


def test_an_error_in_a_worker_reaches_the_caller(forked):
    def fail(n):
        if n == 7:
            raise ValueError("row 7")
        return n

    with pytest.raises(ValueError, match="row 7"):
        list(parallel.chunks(fail, list(range(10)), chunk=3))
