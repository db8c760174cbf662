"""Measuring helpers shared by every chapter: threads, timers, fits, tables.

Written once here so that the RNN chapter's decay rates, the beam chapter's
runtime exponents and the benchmark report fit lines the same way, and every
page limits threads and times code the same way.
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from threadpoolctl import OpenBLASController, threadpool_limits

from reviewkit.checks import check_choice, check_int

__all__ = [
    "fit_line",
    "markdown_table",
    "one_thread",
    "power_law_exponent",
    "time_call",
]


_LOCK = threading.Lock()
_users = 0  # one_thread blocks open, in all threads
_saved: tuple[int, Any] | None = None  # torch's thread count, the BLAS limiter
_open: dict[int, int] = {}  # blocks open, by the thread that started them


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch and the BLAS libraries on one CPU thread inside the block.

    The tensors in this project are tiny: a second thread only adds
    synchronisation, and on a busy machine its spin-waiting can make an
    operation a hundred times slower. Results do not depend on it. The
    settings are process-wide, so blocks are counted: the first to start, in
    any thread, saves and limits them, the last to end restores BLAS's. torch's
    count is also per thread (OpenMP's), so each thread gets the saved count
    back when its own outermost block ends. Blocks may nest and overlap across
    threads (a block that ends in another thread than it started in leaves the
    starting thread's own view at 1: only a thread can change its own).
    """
    global _users, _saved
    with _LOCK:
        count = torch.get_num_threads()  # first, so torch's lazy setup cannot undo 1
        if _users == 0:
            _saved = (count, _blas(threadpool_limits, limits=1))
        torch.set_num_threads(1)  # in this thread's view too (OpenMP's is per thread)
        _users += 1
        me = threading.get_ident()
        _open[me] = _open.get(me, 0) + 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            _open[me] -= 1
            if not _open[me]:  # the starting thread's last block: its view back
                del _open[me]
                torch.set_num_threads(_saved[0])  # other blocks keep their own: 1
            if _users == 0:
                _blas(_saved[1].restore_original_limits)


def _blas(change: Callable[..., Any], **kwargs: Any) -> Any:
    """Change the BLAS limits from this thread, then let any thread change them next.

    threadpoolctl >= 3.8 lets only the thread that first set OpenBLAS's
    process-wide pool set it again (silently ignoring the others), and a
    block may start or end in any thread, also while another thread's
    ``threadpool_limits`` is open.
    """
    release = getattr(OpenBLASController, "clear_controlling_thread", None)
    if release is not None:  # older threadpoolctl let any thread set them
        release(force=True)
    result = change(**kwargs)
    if release is not None:
        release(force=True)
    return result


def time_call(
    fn: Callable[[], object], *, repeats: int = 5, statistic: str = "median"
) -> float:
    """Wall time of ``fn()`` in seconds, after one untimed warm-up call.

    On a shared machine other processes only ever add time, so the minimum
    over repeats is the steadier estimate of the code's own cost; the median
    also counts typical interference.

    Args:
        fn: The code to time, called with no arguments.
        repeats: Number of timed calls, at least 1.
        statistic: ``"median"`` or ``"min"`` of the timed calls.

    Returns:
        The chosen statistic, in seconds.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeats = check_int("repeats", repeats, minimum=1)
    reduce = {"median": statistics.median, "min": min}[
        check_choice("statistic", statistic, ("median", "min"))
    ]
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return reduce(times)


def fit_line(x: Sequence[float] | Any, y: Sequence[float] | Any) -> tuple[float, float]:
    """Least-squares intercept and slope of ``y`` against ``x``.

    .. math::

        (a, b) = \\arg\\min_{a, b} \\sum_i (y_i - a - b x_i)^2

    Args:
        x: Abscissae, shape ``(n,)``, at least two distinct finite values.
        y: Ordinates, shape ``(n,)``, finite.

    Returns:
        The intercept :math:`a` and the slope :math:`b`.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(
            f"x and y must be 1-D and the same length, got {xs.shape} and {ys.shape}"
        )
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ValueError("x and y must be finite")
    if np.unique(xs).size < 2:
        raise ValueError(f"x must hold at least two distinct values, got {xs}")
    xc = xs - xs.mean()
    # b = sum (x - x̄)(y - ȳ) / sum (x - x̄)^2,  a = ȳ - b x̄
    slope = float((xc * (ys - ys.mean())).sum() / (xc * xc).sum())
    return float(ys.mean() - slope * xs.mean()), slope


def power_law_exponent(x: Sequence[float] | Any, y: Sequence[float] | Any) -> float:
    """Slope of the least-squares line through ``(log x, log y)``.

    If :math:`y \\approx c x^a`, then :math:`\\log y = \\log c + a \\log x`
    and the slope is the exponent :math:`a`.

    Args:
        x: Positive sizes, shape ``(n,)`` with ``n >= 2``.
        y: Positive measurements, shape ``(n,)``.

    Returns:
        The fitted exponent :math:`a`.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if not ((xs > 0).all() and (ys > 0).all()):
        raise ValueError("x and y must be positive to take logs")
    return fit_line(np.log(xs), np.log(ys))[1]  # which checks shapes and sizes


def markdown_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    formats: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Format rows as a Markdown pipe table.

    Args:
        rows: The rows, as maps from column name to value.
        columns: The columns to show, in order.
        formats: Format specs by column (for example ``{"ratio": ".2f"}``);
            other columns use ``str``.
        headers: Header text by column, where it should differ from the
            column name.

    Returns:
        The table, one line per row after the header and the rule; numeric
        columns are right-aligned, others left-aligned.
    """
    formats = dict(formats or {})
    headers = dict(headers or {})
    missing = [c for c in columns if any(c not in row for row in rows)]
    if missing:
        raise ValueError(f"columns {missing} are missing from some rows")
    numeric = {
        c: bool(rows) and all(isinstance(row[c], int | float) for row in rows)
        for c in columns
    }
    lines = [
        "| " + " | ".join(headers.get(c, c) for c in columns) + " |",
        "|" + "|".join("---:" if numeric[c] else ":---" for c in columns) + "|",
    ]
    for row in rows:
        cells = [
            format(row[c], formats[c]) if c in formats else str(row[c]) for c in columns
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
