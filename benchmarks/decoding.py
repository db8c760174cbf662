"""Decoding benchmark: reviewkit's beam search, transformers' and the floor.

One small RNN language model (:class:`reviewkit.beam.charlm.RNNLanguageModel`, fixed
seed, float32, eval mode, inference mode) is decoded three ways:

1. ``reviewkit``: :func:`reviewkit.beam.search.beam_search` on the model's
   stateful interface (``start``/``advance``/``select``);
2. ``transformers``: ``generate(num_beams=k)`` from Hugging Face transformers
   on the *same* module, wrapped as a minimal causal LM whose cache is the RNN
   state (:class:`~benchmarks.hf_model.RNNForCausalLM`), configured as
   canonical fixed-length beam search (``length_penalty=0.0``,
   ``early_stopping="never"``, no end-of-sequence token, ``max_new_tokens=T``);
3. ``floor``: T steps of the module on the live rows, a log-softmax, one
   top-k over the k*M candidate scores and the gather of the state, with no
   bookkeeping at all (:func:`~benchmarks.floor.floor_search`).

A second, smaller grid of cells (``part == "eos"``) decodes with an end token
(:data:`~benchmarks.grid.EOS`): reviewkit's default pool of finished
hypotheses against ``generate`` with ``eos_token_id``, ``length_penalty=1.0``
and ``early_stopping="never"`` (the same stopping rule), both ranking by the
score over the length. The floor is the same loop as above (no end token):
the work a step cannot avoid.

A third set (``part == "batch"``) decodes batches of 8 and 32 prompts of
unequal lengths (1 to 8 tokens, :func:`~benchmarks.grid.batch_prompts`) at
once: reviewkit's ``beam_search_batch`` on the ragged list, ``generate`` on
the same prompts padded on the left with an attention mask, and the floor's
batched loop (:func:`~benchmarks.floor.floor_search_batch`); each prompt's
n-best lists are checked as above before timing.

Every cell first checks that reviewkit and transformers return the same n-best
lists with scores within 1e-4 of each other (and that the floor reaches the
same final scores); the benchmark stops with an error otherwise. Then each
method is timed after a warm-up, on a fixed number of threads, interleaved, and
every run's time is written to a JSON file with the machine, the versions, the
date and the load average. ``benchmarks/report.py`` turns that file into the
Performance page's tables and figures.

The harness is split by concept: :mod:`benchmarks.grid` (the tokens and the
cells), :mod:`benchmarks.hf_model` (the transformers wrapper),
:mod:`benchmarks.floor` (the floor), :mod:`benchmarks.agreement` (the checks),
:mod:`benchmarks.timing` (timing and profiling), :mod:`benchmarks.machine`
(the machine and the versions) and :mod:`benchmarks.results_file` (the JSON
file). This script runs them over a grid and writes the record.

Run it with ``nox -s bench`` (the full grid, written to
``benchmarks/results/decoding.json``) or ``nox -s bench -- --quick`` (a few
cells, written under ``build/bench/``). ``--help`` lists the options.
"""

from __future__ import annotations

import os

# No hub, ever: the configuration and the model are built in code.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse
import datetime as dt
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
import transformers

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: import the modules beside it
    sys.path.insert(0, str(ROOT))

from benchmarks import report  # noqa: E402
from benchmarks.agreement import TOLERANCE, ULPS  # noqa: E402
from benchmarks.grid import (  # noqa: E402
    BOS,
    EOS,
    EOS_LENGTH_PENALTY,
    EOS_PROBABILITY,
    FULL,
    PROMPT_LENGTHS,
    QUICK,
)
from benchmarks.hf_model import TRANSFORMERS_VERSION, build_models  # noqa: E402
from benchmarks.machine import machine, versions  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from benchmarks.timing import profile_cell, run_batch_cell, run_cell  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write the results file and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few cells only")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--cell", default="gru", choices=("gru", "rnn"))
    parser.add_argument("--seed", type=int, default=0, help="model weights' seed")
    parser.add_argument("--output", type=Path, help="results file (JSON)")
    args = parser.parse_args(argv)

    if transformers.__version__ != TRANSFORMERS_VERSION:
        parser.error(
            f"the wrapper is written for transformers {TRANSFORMERS_VERSION}, "
            f"found {transformers.__version__}; install the bench extra"
        )
    grid = QUICK if args.quick else FULL
    output = args.output or (
        ROOT / "build" / "bench" / "decoding-quick.json"
        if args.quick
        else report.RESULTS_PATH
    )
    torch.set_num_threads(args.threads)
    record = versions()  # now, before the code it names can change under us
    load_before = os.getloadavg()
    load_samples: list[float] = []  # one-minute load every 10 s, this run included
    sampling = threading.Event()

    def sample_load() -> None:
        while not sampling.wait(10.0):
            load_samples.append(os.getloadavg()[0])

    threading.Thread(target=sample_load, daemon=True).start()
    started = time.perf_counter()

    jobs = (
        [
            ("grid", h, m, k, t)
            for h in grid.hidden_sizes
            for m in grid.vocab_sizes
            for k in grid.beam_sizes
            for t in grid.lengths
        ]
        + [
            ("long", grid.long_hidden_size, grid.long_vocab_size, k, t)
            for k in grid.long_beam_sizes
            for t in grid.long_lengths
        ]
        + [
            ("eos", grid.eos_hidden_size, m, k, t)
            for m in grid.eos_vocab_sizes
            for k in grid.eos_beam_sizes
            for t in grid.eos_lengths
        ]
    )
    batch_jobs = [
        (grid.batch_hidden_size, m, k, t, n)
        for m in grid.batch_vocab_sizes
        for k in grid.batch_beam_sizes
        for t in grid.batch_lengths
        for n in grid.batch_sizes
    ]
    cells = []
    with torch.inference_mode():
        for h in sorted({job[1] for job in jobs}):
            vocab = sorted({job[2] for job in jobs if job[1] == h})
            models = build_models(h, vocab, args.cell, args.seed)
            ending = build_models(
                h, vocab, args.cell, args.seed, eos_probability=EOS_PROBABILITY
            )
            for part, _, m, k, t in (job for job in jobs if job[1] == h):
                use = ending if part == "eos" else models
                cell = run_cell(part, use, h, m, k, t, grid)
                cells.append(cell)
                med = report.median_times(cell)
                print(
                    f"{part:4} H={h:<3} M={m:<5} k={k:<2} T={t:<3}  "
                    + "  ".join(f"{n} {1e3 * v:8.2f} ms" for n, v in med.items())
                    + f"  ({len(cell['times']['floor'])} runs)",
                    flush=True,
                )

        for h in sorted({job[0] for job in batch_jobs}):
            vocab = sorted({job[1] for job in batch_jobs if job[0] == h})
            models = build_models(h, vocab, args.cell, args.seed)
            for _, m, k, t, n in (job for job in batch_jobs if job[0] == h):
                cell = run_batch_cell(models, h, m, k, t, n, grid)
                cells.append(cell)
                med = report.median_times(cell)
                print(
                    f"batch H={h:<3} M={m:<5} k={k:<2} T={t:<3} N={n:<2}  "
                    + "  ".join(f"{name} {1e3 * v:8.2f} ms" for name, v in med.items())
                    + f"  ({len(cell['times']['floor'])} runs)",
                    flush=True,
                )

    # Profile the fixed cells and the one where reviewkit is furthest above
    # the floor (after the timings, so profiling cannot disturb them).
    rows = report.cell_rows({"cells": cells}, "grid")
    worst = max(rows, key=lambda r: r["reviewkit/floor"])
    to_profile = dict.fromkeys(grid.profiles)
    to_profile[(worst["H"], worst["M"], worst["k"], worst["T"])] = None
    profiles = []
    with torch.inference_mode():
        for h, m, k, t in to_profile:
            models = build_models(h, [m], args.cell, args.seed)
            profiles.append(profile_cell(models, h, m, k, t))
            print(f"profiled H={h} M={m} k={k} T={t}", flush=True)

    sampling.set()
    results = {
        "benchmark": "decoding",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine()
        | {
            "load_average_before": list(load_before),
            "load_average_after": list(os.getloadavg()),
            "load_average_max_during": max(load_samples, default=load_before[0]),
            "load_average_samples": [round(x, 2) for x in load_samples],
        },
        "versions": record,
        "settings": {
            "quick": args.quick,
            "threads": args.threads,
            "cell": args.cell,
            "seed": args.seed,
            "bos": BOS,
            "batch": 1,  # but in the batched cells
            "dtype": "float32",
            "tolerance": TOLERANCE,
            "tolerance_ulps": ULPS,
            "seconds": round(time.perf_counter() - started, 1),
        }
        | asdict(grid),
        "grid": {
            "hidden_size": list(grid.hidden_sizes),
            "vocab_size": list(grid.vocab_sizes),
            "beam_size": list(grid.beam_sizes),
            "length": list(grid.lengths),
        },
        "long": {
            "hidden_size": grid.long_hidden_size,
            "vocab_size": grid.long_vocab_size,
            "beam_size": list(grid.long_beam_sizes),
            "length": list(grid.long_lengths),
        },
        "eos": {
            "hidden_size": grid.eos_hidden_size,
            "vocab_size": list(grid.eos_vocab_sizes),
            "beam_size": list(grid.eos_beam_sizes),
            "length": list(grid.eos_lengths),
            "eos": EOS,
            "length_penalty": EOS_LENGTH_PENALTY,
            "eos_probability": EOS_PROBABILITY,
        },
        "batch": {
            "hidden_size": grid.batch_hidden_size,
            "vocab_size": list(grid.batch_vocab_sizes),
            "beam_size": list(grid.batch_beam_sizes),
            "length": list(grid.batch_lengths),
            "batch_size": list(grid.batch_sizes),
            "prompt_lengths": [1, PROMPT_LENGTHS],
        },
        "cells": cells,
        "profiles": profiles,
    }
    write_results(results, output)
    results = report.load_results(output)  # the file must read back whole
    print(f"\nwrote {output} in {results['settings']['seconds']} s")
    for target in report.targets(results):
        verdict = "met" if target.met else "MISSED"
        print(f"{verdict:6} {target.name}: {target.goal}")
        print(f"       measured {target.measured:.3f}")
        if target.detail:
            print(f"       {target.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
