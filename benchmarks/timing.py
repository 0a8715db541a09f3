"""The benchmarks' one way to time a call and report its median and 95th percentile (milliseconds)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def p50_p95(times: list[float]) -> tuple[float, float]:
    """Median and nearest-rank 95th percentile of ``times``."""
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95 + 0.5) - 1)]


def timed(run: Callable[[], object], samples: int) -> tuple[float, float]:
    """p50 and p95 wall time of ``samples`` calls of ``run``, in milliseconds."""
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return p50_p95(times)
