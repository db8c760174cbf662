"""Tests for the shared measuring helpers in reviewkit.measure."""

import math
import threading

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from reviewkit import measure


def test_fit_line_recovers_a_line():
    """fit_line returns the intercept and slope of points on a line."""
    a, b = measure.fit_line([10, 50, 200], [2 + 0.5 * t for t in (10, 50, 200)])
    assert a == pytest.approx(2.0)
    assert b == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("x", "y"), [([1, 2], [1, 2, 3]), ([3, 3], [1, 2]), ([1, math.nan], [1, 2])]
)
def test_fit_line_rejects_bad_input(x, y):
    """fit_line raises ValueError for mismatched, degenerate or NaN input."""
    with pytest.raises(ValueError, match="x"):
        measure.fit_line(x, y)


def test_fit_line_matches_numpy_polyfit():
    """fit_line agrees with numpy's polyfit on noisy data (independent reference)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 50)
    y = 3 - 2 * x + rng.normal(size=50)
    slope, intercept = np.polyfit(x, y, 1)
    assert measure.fit_line(x, y) == pytest.approx((intercept, slope))


def test_power_law_exponent_recovers_the_exponent():
    """power_law_exponent recovers a in y = c x^a."""
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert measure.power_law_exponent(x, 3 * x**1.5) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="positive"):
        measure.power_law_exponent([1, 2], [0, 1])


@pytest.mark.parametrize(
    ("x", "y"),
    [([1, 2], [1, 2, 4]), ([2], [3]), ([[1, 2]], [[1, 2]]), ([1, 2], [1, math.inf])],
)
def test_power_law_exponent_rejects_bad_shapes(x, y):
    """power_law_exponent refuses mismatched, short, 2-D or infinite input."""
    with pytest.raises(ValueError, match="x"):
        measure.power_law_exponent(x, y)


def test_time_call_counts_calls_and_checks_arguments():
    """time_call makes one warm-up call plus `repeats` timed calls."""
    calls = []
    t = measure.time_call(lambda: calls.append(1), repeats=3, statistic="min")
    assert len(calls) == 4
    assert t >= 0
    with pytest.raises(ValueError, match="statistic"):
        measure.time_call(lambda: None, statistic="mean")
    with pytest.raises(TypeError, match="fn must be callable"):
        measure.time_call(3)


def test_one_thread_restores_the_thread_count():
    """one_thread runs its block on one torch thread and restores the setting."""
    torch.set_num_threads(2)  # the suite's fixture restores it afterwards
    with measure.one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def _blas_threads() -> list[int]:
    """Threads of each BLAS library loaded (OpenBLAS's pool is process-wide)."""
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_one_thread_blocks_overlapping_in_threads_hold_until_the_last_ends():
    """A block ending in thread A leaves thread B's block on one thread until B ends."""
    torch.set_num_threads(2)
    blas = _blas_threads()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def a():
        with measure.one_thread():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def b():
        a_in.wait(10)
        with measure.one_thread():
            b_in.set()
            a_out.wait(10)
            seen.append((torch.get_num_threads(), _blas_threads()))

    threads = [threading.Thread(target=f) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [(1, [1] * len(blas))]
    assert _blas_threads() == blas and torch.get_num_threads() == 2


def test_a_thread_whose_block_ended_first_gets_its_threads_back():
    """A block that ends while another thread's is open restores its own thread.

    torch's thread count is also a per-thread OpenMP setting: the old code reset it
    only in the thread whose block ended last, so thread A (ended first) kept one
    thread for the rest of its life, for every later torch call outside any block.
    """
    torch.set_num_threads(2)
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    after = {}

    def a():
        with measure.one_thread():
            a_in.set()
            b_in.wait(10)
        a_out.set()
        after["a, B's block still open"] = torch.get_num_threads()
        b_out.wait(10)
        after["a"] = torch.get_num_threads()

    def b():
        a_in.wait(10)
        with measure.one_thread():
            b_in.set()
            a_out.wait(10)
            after["b, inside"] = torch.get_num_threads()
        b_out.set()
        after["b"] = torch.get_num_threads()

    threads = [threading.Thread(target=f) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert after == {"a, B's block still open": 2, "b, inside": 1, "a": 2, "b": 2}
    assert torch.get_num_threads() == 2


def test_a_block_may_end_in_another_thread():
    """A block entered in one thread and ended in another ends cleanly: no error, BLAS
    restored, nothing left counted as open.

    (The starting thread's own OpenMP view stays at 1: only a thread can change
    its own.)
    """
    torch.set_num_threads(2)
    blas = _blas_threads()
    block, errors = measure.one_thread(), []
    block.__enter__()

    def end():
        try:
            block.__exit__(None, None, None)
        except Exception as err:  # a thread's exception would not reach the test
            errors.append(err)

    ended = threading.Thread(target=end)
    ended.start()
    ended.join(10)
    assert errors == [] and _blas_threads() == blas and measure._users == 0


def test_one_thread_nests():
    """A block inside a block keeps one thread until the outer block ends."""
    torch.set_num_threads(2)
    with measure.one_thread():
        with measure.one_thread():
            pass
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_markdown_table_layout():
    """markdown_table writes a header, a rule and one formatted line per row."""
    text = measure.markdown_table(
        [{"k": 1, "name": "a"}, {"k": 2, "name": "b"}], ["k", "name"], {"k": "d"}
    )
    assert text.splitlines() == [
        "| k | name |",
        "|---:|:---|",
        "| 1 | a |",
        "| 2 | b |",
    ]
    with pytest.raises(ValueError, match="missing"):
        measure.markdown_table([{"k": 1}], ["k", "v"])
