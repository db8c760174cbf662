"""Read, summarise and plot the decoding benchmark's committed results.

This is the Performance page's report, kept next to the harness and outside
the ``reviewkit`` package (import it as ``benchmarks.report`` from the
repository root). Fits and tables come from :mod:`reviewkit.measure`.

The benchmark itself (``benchmarks/decoding.py``, run with ``nox -s bench``)
times three ways of decoding the same small RNN language model: reviewkit's
beam search, Hugging Face transformers' ``generate(num_beams=k)`` and *the
floor*, a loop that does only the unavoidable work of a beam step (the model on
:math:`k` rows, a log-softmax, one top-:math:`k` over :math:`kM` scores and the
gather of the state). It writes every run's time to a JSON file under
``benchmarks/results/``. The report turns that file into the tables, fits and
figures of the Performance page, so the docs build never reruns the benchmark.

Each decode of length :math:`T` is modelled as a fixed cost plus a cost per
step,

.. math::

    t(T) = a + b\\,T ,

and the per-step cost :math:`b` as a power law in the beam size :math:`k` and
the vocabulary size :math:`M`, :math:`b \\propto k^{\\alpha} M^{\\beta}`.

The report is split by concept; this module gathers the names the page and
the harness use:

- :mod:`benchmarks.results_file`: writing, loading and checking the file,
  the median of each method on a cell;
- :mod:`benchmarks.summaries`: per-cell rows, ratio summaries, the agreement
  checks, the spread of repeated runs, the profiles;
- :mod:`benchmarks.scaling`: the fits of :math:`t = a + bT`, the exponents in
  :math:`k` and :math:`M`, the long-T run;
- :mod:`benchmarks.targets`: the targets and the verdict on each;
- :mod:`benchmarks.figures`: the page's figures.
"""

from __future__ import annotations

from benchmarks.figures import plot_long_run, plot_times
from benchmarks.results_file import (
    METHODS,
    MIN_REPEATS,
    RESULTS_PATH,
    load_results,
    median_times,
)
from benchmarks.scaling import exponents, flatness, long_rows, per_step_fits
from benchmarks.summaries import (
    agreement,
    batch_sentence,
    cell_rows,
    faults_sentence,
    flat_drifted,
    flat_relative,
    flat_sentence,
    gaps_sentence,
    greedy_sentence,
    profile_rows,
    ratio_summary,
    read_back_clause,
    run_spread,
    worst_cell_sentence,
)
from benchmarks.targets import (
    FLAT_RATIO,
    FLOOR_RATIO,
    SMALL_MODEL_SPEEDUP,
    WORST_CELL_RATIO,
    Target,
    targets,
)

__all__ = [
    "FLAT_RATIO",
    "FLOOR_RATIO",
    "METHODS",
    "MIN_REPEATS",
    "RESULTS_PATH",
    "SMALL_MODEL_SPEEDUP",
    "WORST_CELL_RATIO",
    "Target",
    "agreement",
    "batch_sentence",
    "cell_rows",
    "exponents",
    "faults_sentence",
    "flat_drifted",
    "flat_relative",
    "flat_sentence",
    "flatness",
    "gaps_sentence",
    "greedy_sentence",
    "load_results",
    "long_rows",
    "median_times",
    "per_step_fits",
    "plot_long_run",
    "plot_times",
    "profile_rows",
    "ratio_summary",
    "read_back_clause",
    "run_spread",
    "targets",
    "worst_cell_sentence",
]
