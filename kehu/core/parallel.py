"""``chunks``: a function mapped over many items in forked worker processes, results in order.

The CPU-bound part of a large import (cleaning rows, pinyin keys, encryption, blind indexes,
column values) is the same pure function of each row; the database work stays in the calling
process and its transaction. Workers are forked from the caller, so they see its settings, keys,
loaded objects and ``fn`` without pickling them; only the items and the results cross the pipes.
The output is the same list in the same order as ``[fn(item) for item in items]`` whatever the
number of processes (deterministic), and a small input never starts a process.

Workers never use the database: each forgets the connections it inherited (a worker that asked
for the database would open its own) without closing them, since closing a PostgreSQL connection
sends a terminate message on the socket the caller still uses. A worker dies with its parent
(``PR_SET_PDEATHSIG``), so a SIGKILLed import worker leaves no process behind holding the
database socket open, which would keep its transaction and locks alive on the server (CRASH-2).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connections

MIN_ITEMS = 2_000  # below this, one process: forking costs more than it saves

_task: dict[str, object] = {}
_inherited: list = []  # connections this worker inherited: kept referenced, never closed


def workers() -> int:
    """KEHU_IMPORT_WORKERS, else one per CPU this process may use."""
    return settings.KEHU_IMPORT_WORKERS or len(os.sched_getaffinity(0))


def _start_worker(parent: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    # A job runner's handlers (a graceful-shutdown flag on SIGTERM) would let a busy worker finish
    # its chunk when the pool ends it early; Ctrl-C is the parent's to handle, and it ends the pool.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for connection in connections.all(initialized_only=True):
        _inherited.append(connection.connection)
        connection.connection = None


def _run(items: list) -> list:
    fn = _task["fn"]
    return [fn(item) for item in items]


def chunks(fn: Callable, items: list, *, chunk: int) -> Iterator[list]:
    """``fn`` of every item, as lists of ``chunk`` results in the items' order; in worker processes
    when there are at least MIN_ITEMS items, more than one CPU and the platform forks."""
    parts = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    count = workers()
    if count < 2 or len(items) < MIN_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        for part in parts:
            yield [fn(item) for item in part]
        return
    _task["fn"] = fn
    context = multiprocessing.get_context("fork")
    pool = context.Pool(count, initializer=_start_worker, initargs=(os.getpid(),))
    try:
        yield from pool.imap(_run, parts)
    finally:
        pool.terminate()
        pool.join()
        _task.clear()
