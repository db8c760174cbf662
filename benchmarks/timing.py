"""Timing and profiling: how long each method takes on a cell, and where.

:func:`runners` gives the three decodes of a cell (reviewkit, transformers,
the floor) as calls with no arguments (:func:`batch_runners` for a batch of
prompts); :func:`time_methods` times them, interleaved, after a warm-up;
:func:`run_cell` checks agreement and then times one cell
(:func:`run_batch_cell` a batched one). :func:`profile_runner` and
:func:`profile_cell` split one decode's time into torch operators and Python
functions.
"""

from __future__ import annotations

import gc
import math
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from benchmarks.agreement import check_batch_cell, check_cell
from benchmarks.floor import floor_search, floor_search_batch
from benchmarks.grid import BOS, Grid, batch_prompts, reviewkit_rules
from benchmarks.hf_model import (
    RNNForCausalLM,
    hf_config,
    hf_generate,
    hf_generate_batch,
    padded_batch,
)
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.search import beam_search, beam_search_batch

__all__ = [
    "batch_runners",
    "profile_cell",
    "profile_runner",
    "run_batch_cell",
    "run_cell",
    "runners",
    "time_methods",
]


def time_methods(
    runners: dict[str, Callable[[], object]], grid: Grid
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Time each runner, interleaved, after a warm-up.

    Returns:
        Seconds per run, and the process's minor page faults during each run
        (memory the process touched that the system had to map first, a cost
        the timings include), each per method.
    """
    warm = dict.fromkeys(runners, 0.0)
    for _ in range(grid.warmup):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            warm[name] = time.perf_counter() - start
    per_round = sum(warm.values())
    repeats = math.ceil(grid.seconds_per_cell / max(per_round, 1e-9))
    repeats = min(max(repeats, grid.min_repeats), grid.max_repeats)
    times: dict[str, list[float]] = {name: [] for name in runners}
    faults: dict[str, list[int]] = {name: [] for name in runners}
    order = list(runners)
    gc.collect()
    gc.disable()
    try:
        for r in range(repeats):
            for name in order[r % len(order) :] + order[: r % len(order)]:
                before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                start = time.perf_counter()
                runners[name]()
                times[name].append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                faults[name].append(after - before)
    finally:
        gc.enable()
    return times, faults


def runners(
    lm: RNNLanguageModel,
    hf: RNNForCausalLM,
    beam_size: int,
    length: int,
    *,
    eos: bool = False,
) -> dict[str, Callable[[], object]]:
    """The three timed decodes of one cell, as calls with no arguments."""
    prompt = torch.full((1,), BOS, dtype=torch.long)
    config = hf_config(beam_size, length, scores=False, eos=eos)
    rules = reviewkit_rules(eos)
    return {
        "reviewkit": lambda: beam_search(
            lm, length, beam_size, prompt=prompt, rules=rules, check=False
        ),
        "transformers": lambda: hf_generate(hf, config),
        "floor": lambda: floor_search(lm, beam_size, length),
    }


def batch_runners(
    lm: RNNLanguageModel,
    hf: RNNForCausalLM,
    prompts: list[list[int]],
    beam_size: int,
    length: int,
) -> dict[str, Callable[[], object]]:
    """The three timed decodes of a batch of prompts of unequal lengths.

    reviewkit is given the prompts as they are (a ragged list), transformers
    the same prompts padded on the left with their attention mask, built once
    outside the timing, as a caller of ``generate`` would hold them.
    """
    batch = padded_batch(prompts)
    config = hf_config(beam_size, length, scores=False)
    rules = reviewkit_rules(False)
    return {
        "reviewkit": lambda: beam_search_batch(
            lm, length, beam_size, prompts=prompts, rules=rules, check=False
        ),
        "transformers": lambda: hf_generate_batch(hf, batch, config),
        "floor": lambda: floor_search_batch(lm, prompts, beam_size, length),
    }


def run_batch_cell(
    models: dict[int, tuple[RNNLanguageModel, RNNForCausalLM]],
    hidden_size: int,
    vocab_size: int,
    beam_size: int,
    length: int,
    batch_size: int,
    grid: Grid,
) -> dict[str, Any]:
    """Check agreement on a batch of :func:`batch_prompts`, then time the three."""
    lm, hf = models[vocab_size]
    prompts = batch_prompts(batch_size, vocab_size)
    check = check_batch_cell(lm, hf, prompts, beam_size, length)
    times, faults = time_methods(
        batch_runners(lm, hf, prompts, beam_size, length), grid
    )
    return {
        "part": "batch",
        "hidden_size": hidden_size,
        "vocab_size": vocab_size,
        "beam_size": beam_size,
        "length": length,
        "batch_size": batch_size,
        "prompt_lengths": [len(p) for p in prompts],
        "check": check,
        "times": times,
        "faults": faults,
    }


def run_cell(
    part: str,
    models: dict[int, tuple[RNNLanguageModel, RNNForCausalLM]],
    hidden_size: int,
    vocab_size: int,
    beam_size: int,
    length: int,
    grid: Grid,
) -> dict[str, Any]:
    """Check agreement on one cell, then time the three methods on it."""
    lm, hf = models[vocab_size]
    eos = part == "eos"
    check = check_cell(lm, hf, beam_size, length, eos=eos)
    times, faults = time_methods(runners(lm, hf, beam_size, length, eos=eos), grid)
    return {
        "part": part,
        "hidden_size": hidden_size,
        "vocab_size": vocab_size,
        "beam_size": beam_size,
        "length": length,
        "check": check,
        "times": times,
        "faults": faults,
    }


def profile_runner(run: Callable[[], object], runs: int = 5) -> dict[str, Any]:
    """Where one decode's time goes: torch operators and Python functions.

    ``torch.profiler`` gives each operator's own (self) CPU time; ``cProfile``
    gives each Python function's own time. Both are per decode, averaged over
    ``runs`` decodes after one warm-up, and both inflate what they measure, so
    compare the shares, not the absolute numbers, with the timed medians.
    """
    import cProfile
    import pstats

    from torch.profiler import ProfilerActivity, profile

    run()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(runs):
            run()
    ops = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        run()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    functions = sorted(stats.items(), key=lambda item: -item[1][2])
    return {
        "ops_total_us": sum(e.self_cpu_time_total for e in ops) / runs,
        "ops": [
            {
                "name": e.key,
                "calls": e.count / runs,
                "self_us": e.self_cpu_time_total / runs,
            }
            for e in ops
        ],
        "python_total_us": 1e6 * sum(v[2] for v in stats.values()) / runs,
        "python": [
            {
                "name": f"{Path(file).name}:{line}({name})",
                "calls": value[1] / runs,
                "self_us": 1e6 * value[2] / runs,
            }
            for (file, line, name), value in functions[:25]
        ],
    }


def profile_cell(
    models: dict[int, tuple[RNNLanguageModel, RNNForCausalLM]],
    hidden_size: int,
    vocab_size: int,
    beam_size: int,
    length: int,
) -> dict[str, Any]:
    """Profile all three methods on one cell (see :func:`profile_runner`)."""
    lm, hf = models[vocab_size]
    calls = runners(lm, hf, beam_size, length)
    return {
        "hidden_size": hidden_size,
        "vocab_size": vocab_size,
        "beam_size": beam_size,
        "length": length,
        "methods": {name: profile_runner(run) for name, run in calls.items()},
    }
