"""The one clock (DESIGN.md "Time"): frozen for tests in every thread; pinned for a batch in one thread."""

import threading
import time

from kehu.core import clock


def test_pinned_holds_this_threads_instant_and_leaves_other_threads_running():
    seen = {}
    with clock.pinned() as at:
        time.sleep(0.01)
        assert clock.now() == at
        other = threading.Thread(target=lambda: seen.update(now=clock.now()))
        other.start()
        other.join()
        assert seen["now"] > at
    assert clock.now() > at


def test_pinned_blocks_nest_and_restore():
    with clock.pinned() as outer:
        time.sleep(0.01)
        with clock.pinned() as inner:
            assert inner == outer  # the inner block starts from the pinned instant
        assert clock.now() == outer
