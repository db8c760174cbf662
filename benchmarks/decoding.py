"""Decoding benchmark: reviewkit's beam search, transformers' and the floor.

One small RNN language model (:class:`reviewkit.beam.charlm.RNNLanguageModel`, fixed
seed, float32, eval mode, inference mode) is decoded three ways:

1. ``reviewkit``: :func:`reviewkit.beam.search.beam_search` on the model's
   stateful interface (``start``/``advance``/``select``);
2. ``transformers``: ``generate(num_beams=k)`` from Hugging Face transformers
   on the *same* module, wrapped as a minimal causal LM whose cache is the RNN
   state (:class:`RNNForCausalLM`), configured as canonical fixed-length beam
   search (``length_penalty=0.0``, ``early_stopping="never"``, no end-of-
   sequence token, ``max_new_tokens=T``);
3. ``floor``: T steps of the module on the live rows, a log-softmax, one
   top-k over the k*M candidate scores and the gather of the state, with no
   bookkeeping at all (:func:`floor_search`).

A second, smaller grid of cells (``part == "eos"``) decodes with an end token
(:data:`EOS`): reviewkit's default pool of finished hypotheses against
``generate`` with ``eos_token_id``, ``length_penalty=1.0`` and
``early_stopping="never"`` (the same stopping rule), both ranking by the
score over the length. The floor is the same loop as above (no end token):
the work a step cannot avoid.

Every cell first checks that reviewkit and transformers return the same n-best
lists with scores within 1e-4 of each other (and that the floor reaches the
same final scores); the benchmark stops with an error otherwise. Then each
method is timed after a warm-up, on a fixed number of threads, interleaved, and
every run's time is written to a JSON file with the machine, the versions, the
date and the load average. ``benchmarks/report.py`` turns that file into the
Performance page's tables and figures.

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
import gc
import hashlib
import json
import math
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from transformers import (
    GenerationConfig,
    GenerationMixin,
    PretrainedConfig,
    PreTrainedModel,
)
from transformers.modeling_outputs import CausalLMOutputWithPast

import reviewkit
import reviewkit.beam.charlm
import reviewkit.beam.interface
import reviewkit.beam.pool
import reviewkit.beam.rules
import reviewkit.beam.search
import reviewkit.beam.selection
from reviewkit.beam.charlm import RNNLanguageModel
from reviewkit.beam.search import beam_search

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: import the report beside it
    sys.path.insert(0, str(ROOT))

from benchmarks import report  # noqa: E402

#: The transformers release the wrapper is written against: ``generate``'s
#: hooks for caches and beam reordering change between releases.
TRANSFORMERS_VERSION = "5.24.0"

#: Token every decode starts from (a one-token prompt, the same for all three).
BOS = 0

#: End token of the ``eos`` cells, and the length penalty they rank with.
EOS = 1
EOS_LENGTH_PENALTY = 1.0

#: The eos cells' model ends a sequence with about this probability per step.
EOS_PROBABILITY = 0.05

#: Largest allowed difference between the two searches' hypothesis scores ...
TOLERANCE = 1e-4

#: ... unless float32 cannot resolve it: a score of -3000 is only stored to
#: 2.4e-4, so scores as large as that may differ by this many float32 units in
#: the last place (rounding in a different order, not a different search).
ULPS = 4


def tolerance(score: float) -> float:
    """Allowed difference between two scores near ``score`` (nats)."""
    return max(TOLERANCE, ULPS * float(np.spacing(np.float32(abs(score)))))


def close(a: float, b: float) -> bool:
    """Whether two scores are equal within :func:`tolerance`."""
    return abs(a - b) <= tolerance(max(abs(a), abs(b)))


@dataclass(frozen=True)
class Grid:
    """The cells to time and how to time them."""

    hidden_sizes: tuple[int, ...]  # H: the RNN's width
    vocab_sizes: tuple[int, ...]  # M: the output layer's width
    beam_sizes: tuple[int, ...]  # k
    lengths: tuple[int, ...]  # T: tokens generated after the prompt
    long_hidden_size: int  # the long-T run's H ...
    long_vocab_size: int  # ... its M ...
    long_beam_sizes: tuple[int, ...]  # ... its k ...
    long_lengths: tuple[int, ...]  # ... and its T, short ones and long ones
    warmup: int  # untimed runs of each method before a cell is timed
    min_repeats: int  # timed runs per method at least (the median needs >= 5)
    max_repeats: int  # and at most
    seconds_per_cell: float  # aim for this much timing per cell (all methods)
    profiles: tuple[tuple[int, int, int, int], ...]  # (H, M, k, T) to profile
    eos_hidden_size: int = 64  # the eos cells' H ...
    eos_vocab_sizes: tuple[int, ...] = ()  # ... their M ...
    eos_beam_sizes: tuple[int, ...] = ()  # ... their k (> 1: a pool needs a beam)
    eos_lengths: tuple[int, ...] = ()  # ... and their maximum T


#: The grid of the issue: small enough for 2 cores in about ten minutes.
FULL = Grid(
    hidden_sizes=(64, 256),
    vocab_sizes=(100, 1000, 10000),
    beam_sizes=(1, 4, 16, 64),
    lengths=(10, 50, 200),
    long_hidden_size=64,
    long_vocab_size=1000,
    long_beam_sizes=(4, 16),
    long_lengths=(10, 25, 50, 100, 200, 400, 800),
    warmup=2,
    min_repeats=11,
    max_repeats=41,
    seconds_per_cell=1.0,
    # search overhead dominates, the middle, and the model dominates
    profiles=((64, 100, 4, 50), (64, 1000, 16, 50), (256, 10000, 64, 50)),
    eos_vocab_sizes=(100, 1000),
    eos_beam_sizes=(4, 16),
    eos_lengths=(50, 200),
)

#: A few cells for development (``--quick``): about half a minute.
QUICK = Grid(
    hidden_sizes=(64,),
    vocab_sizes=(100, 1000),
    beam_sizes=(1, 4),
    lengths=(10, 50),
    long_hidden_size=64,
    long_vocab_size=1000,
    long_beam_sizes=(4,),
    long_lengths=(10, 50, 100, 200, 400),
    warmup=1,
    min_repeats=5,
    max_repeats=9,
    seconds_per_cell=0.2,
    profiles=((64, 100, 4, 50),),
    eos_vocab_sizes=(100,),
    eos_beam_sizes=(4,),
    eos_lengths=(50,),
)


# -- transformers: the same module as a minimal causal LM --------------------


class RNNConfig(PretrainedConfig):
    """Configuration of :class:`RNNForCausalLM`: just the two sizes."""

    model_type = "reviewkit-rnn"

    def __init__(self, vocab_size: int = 2, hidden_size: int = 1, **kwargs: Any):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        super().__init__(**kwargs)


class RNNForCausalLM(PreTrainedModel, GenerationMixin):
    """A reviewkit RNN language model seen by ``generate`` as a causal LM.

    The cache is the RNN's hidden state, shape (layers, N, H). ``generate``
    feeds the whole prompt once (the prefill), then only the last token, and
    reorders the cache with :meth:`_reorder_cache` after every beam step.
    """

    config_class = RNNConfig
    main_input_name = "input_ids"

    def __init__(self, config: RNNConfig, lm: RNNLanguageModel):
        super().__init__(config)
        self.lm = lm  # shared, not copied: all three methods run one module

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        return False  # the cache is a tensor we return; no DynamicCache

    def forward(
        self,
        input_ids: torch.Tensor,  # (N, L)
        cache: torch.Tensor | None = None,  # (layers, N, H)
        **kwargs: Any,
    ) -> CausalLMOutputWithPast:
        """Logits for every position of ``input_ids`` and the new state."""
        out, state = self.lm.rnn(self.lm.embedding(input_ids), cache)  # (N, L, H)
        return CausalLMOutputWithPast(logits=self.lm.head(out), cache=state)

    def _reorder_cache(self, cache: torch.Tensor, beam_idx: torch.Tensor):
        return cache.index_select(1, beam_idx)


def hf_generate(model: RNNForCausalLM, config: GenerationConfig) -> Any:
    """Canonical fixed-length beam search with transformers from BOS."""
    prompt = torch.full((1, 1), BOS, dtype=torch.long)
    return model.generate(prompt, generation_config=config)


def hf_config(
    beam_size: int, length: int, *, scores: bool, eos: bool = False
) -> GenerationConfig:
    """``generate``'s settings for canonical beam search of ``length`` tokens.

    With ``eos``: :data:`EOS` ends a hypothesis, which joins the finished ones
    (transformers' pool), ranked by score / length (``length_penalty=1.0``);
    ``early_stopping="never"`` stops only when no live hypothesis can beat
    the finished ones, reviewkit's default rule.
    """
    search = {}
    if beam_size > 1:  # generate runs its greedy loop for num_beams=1
        search = {
            # the score: the plain sum of log-probabilities (or over L with eos)
            "length_penalty": EOS_LENGTH_PENALTY if eos else 0.0,
            "early_stopping": "never",
        }
    return GenerationConfig(
        num_beams=beam_size,
        num_return_sequences=beam_size,
        max_new_tokens=length,
        min_new_tokens=0,
        **search,
        do_sample=False,
        eos_token_id=EOS if eos else None,
        bos_token_id=BOS,
        pad_token_id=BOS,  # only a fill value after a hypothesis ends
        use_cache=True,
        output_scores=scores,
        return_dict_in_generate=scores,
    )


# -- the floor ----------------------------------------------------------------


def floor_search(lm: RNNLanguageModel, beam_size: int, length: int) -> torch.Tensor:
    """The unavoidable work of beam search, and nothing else.

    Per step: the module on the live rows, a log-softmax, one top-k over all
    k*M candidate scores and the gather of the state. No hypotheses, no back
    pointers, no checks.

    Returns:
        The final beam's total log-probabilities, best first, shape (k,).
    """
    emb, rnn, head = lm.embedding, lm.rnn, lm.head
    tokens = torch.full((1,), BOS, dtype=torch.long)  # (n,)
    scores = torch.zeros(1)  # (n,)
    state = None
    for t in range(length):
        out, state = rnn(emb(tokens)[:, None], state)  # (n, 1, H)
        log_probs = torch.log_softmax(head(out[:, 0]), dim=-1)  # (n, M)
        flat = (scores[:, None] + log_probs).view(-1)  # (n*M,)
        scores, index = flat.topk(min(beam_size, flat.numel()))  # (k,)
        if t + 1 == length:
            break
        tokens = index % log_probs.shape[1]  # (k,)
        state = state[:, index // log_probs.shape[1]]  # (layers, k, H)
    return scores


# -- agreement ----------------------------------------------------------------


class DisagreementError(RuntimeError):
    """reviewkit and transformers returned different n-best lists."""


def compare(
    ours: Sequence[Any],
    theirs: Any,
    floor: torch.Tensor | None,
    beam_size: int,
    *,
    eos: bool = False,
) -> dict[str, Any]:
    """Check the two n-best lists (and the floor's scores) against each other.

    The lists agree when they hold the same hypotheses in the same order with
    scores equal within :func:`tolerance`. Two hypotheses whose scores are
    equal in that sense are a tie, and a tie may be broken either way: swapped
    places, or a different member at the end of the list, still agree, and are
    counted.

    Raises:
        DisagreementError: If the lists disagree.
    """
    a_tokens = [tuple(int(t) for t in h.tokens) for h in ours]
    # with eos both rank by score / L: compare what they rank by
    penalty = EOS_LENGTH_PENALTY if eos else 0.0
    a_scores = [float(h.score) / len(h.tokens) ** penalty for h in ours]
    b_tokens = [_ended(s[1:], eos) for s in theirs.sequences.tolist()]
    if beam_size == 1:  # greedy: scores holds each step's logits
        steps = torch.stack(theirs.scores, dim=1).log_softmax(dim=-1)  # (1, T, M)
        chosen = steps.gather(2, theirs.sequences[:, 1:, None])  # (1, T, 1)
        total = torch.zeros(())  # float32, summed step by step like a beam
        for log_prob in chosen.flatten():
            total = total + log_prob
        b_scores = [float(total)]
    else:
        b_scores = [float(s) for s in theirs.sequences_scores]
    problems = []
    if len(a_tokens) != beam_size or len(b_tokens) != beam_size:
        problems.append(f"list lengths {len(a_tokens)} and {len(b_tokens)}")
    gap = max(abs(x - y) for x, y in zip(a_scores, b_scores, strict=False))
    if not all(close(x, y) for x, y in zip(a_scores, b_scores, strict=False)):
        problems.append(f"scores differ by up to {gap:.3g}")
    ties = 0
    b_index = {t: i for i, t in enumerate(b_tokens)}
    for i, tokens in enumerate(a_tokens):
        if i < len(b_tokens) and b_tokens[i] == tokens:
            continue
        j = b_index.get(tokens)
        near = b_scores[j] if j is not None else b_scores[-1]
        if close(a_scores[i], near):
            ties += 1
        else:
            problems.append(f"hypothesis {i} {tokens[:8]}... is not in the other")
    floor_gap = None  # the floor has no end token: nothing to compare with eos
    if floor is not None:
        pairs = list(zip(a_scores, floor.tolist(), strict=False))
        floor_gap = max(abs(x - y) for x, y in pairs)
        if not all(close(x, y) for x, y in pairs):
            problems.append(f"floor's scores differ by up to {floor_gap:.3g}")
    if problems:
        raise DisagreementError(
            "reviewkit and transformers disagree: " + "; ".join(problems[:5])
        )
    return {
        "same_hypotheses": True,
        "max_score_difference": gap,
        "max_floor_difference": floor_gap,
        "ties_broken_differently": ties,
    }


def boundary_gaps(
    lm: RNNLanguageModel, beam_size: int, length: int
) -> list[tuple[float, float]]:
    """How clearly each step's beam is decided, along the floor's path.

    Returns, for each step, the k-th best candidate score minus the
    (k+1)-th best (``inf`` while there are at most k candidates), and the
    k-th best score itself. A gap within :func:`tolerance` of that score is a
    tie: which of the tied candidates a search keeps is
    up to its tie-breaking rule, and from then on two correct searches may
    follow different hypotheses.
    """
    emb, rnn, head = lm.embedding, lm.rnn, lm.head
    tokens = torch.full((1,), BOS, dtype=torch.long)  # (n,)
    scores = torch.zeros(1)  # (n,)
    state = None
    gaps = []
    for _ in range(length):
        out, state = rnn(emb(tokens)[:, None], state)  # (n, 1, H)
        log_probs = torch.log_softmax(head(out[:, 0]), dim=-1)  # (n, M)
        flat = (scores[:, None] + log_probs).view(-1)  # (n*M,)
        values, index = flat.topk(min(beam_size + 1, flat.numel()))
        kth = float(values[min(beam_size, values.numel()) - 1])
        gaps.append(
            (
                float(values[beam_size - 1] - values[beam_size])
                if values.numel() > beam_size
                else math.inf,
                kth,
            )
        )
        scores, index = values[:beam_size], index[:beam_size]
        tokens = index % log_probs.shape[1]  # (k,)
        state = state[:, index // log_probs.shape[1]]  # (layers, k, H)
    return gaps


def _ended(tokens: Sequence[int], eos: bool) -> tuple[int, ...]:
    """A generated sequence up to and including :data:`EOS` (the rest is padding)."""
    out = tuple(int(t) for t in tokens)
    if eos and EOS in out:
        out = out[: out.index(EOS) + 1]
    return out


def check_cell(
    lm: RNNLanguageModel,
    hf: RNNForCausalLM,
    beam_size: int,
    length: int,
    *,
    eos: bool = False,
) -> dict[str, Any]:
    """Both searches must return the same n-best list; ties are the only excuse.

    The lists are compared at the full length. If they differ and a tie (see
    :func:`boundary_gaps`) came before the end, each search broke it its own
    way, which is correct beam search either way; the lists are then compared
    at the length of the first tie, where they must agree (up to that tie).

    Raises:
        DisagreementError: If the lists differ with no tie to explain it, or differ
            already before the first tie.
    """
    prompt = torch.full((1,), BOS, dtype=torch.long)

    def compare_at(n: int) -> dict[str, Any]:
        ours = beam_search(lm, n, beam_size, prompt=prompt, **_options(eos))
        theirs = hf_generate(hf, hf_config(beam_size, n, scores=True, eos=eos))
        floor = None if eos else floor_search(lm, beam_size, n)
        return compare(ours, theirs, floor, beam_size, eos=eos)

    gaps = boundary_gaps(lm, beam_size, length)
    ties = [t + 1 for t, (gap, kth) in enumerate(gaps) if gap <= tolerance(kth)]
    try:
        check = compare_at(length) | {"verified_length": length}
    except DisagreementError as error:
        if not ties:
            raise
        check = compare_at(ties[0]) | {
            "verified_length": ties[0],
            "full_length": str(error),
        }
    return check | {"tie_steps": len(ties), "first_tie": ties[0] if ties else None}


# -- timing -------------------------------------------------------------------


def time_methods(
    runners: dict[str, Callable[[], object]], grid: Grid
) -> dict[str, list[float]]:
    """Time each runner, interleaved, after a warm-up; seconds per run."""
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
    order = list(runners)
    gc.collect()
    gc.disable()
    try:
        for r in range(repeats):
            for name in order[r % len(order) :] + order[: r % len(order)]:
                start = time.perf_counter()
                runners[name]()
                times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times


def _options(eos: bool) -> dict[str, Any]:
    """reviewkit's options for a cell: none, or the end token and the penalty."""
    return {"eos": EOS, "length_penalty": EOS_LENGTH_PENALTY} if eos else {}


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
    options = _options(eos)
    return {
        "reviewkit": lambda: beam_search(
            lm, length, beam_size, prompt=prompt, check=False, **options
        ),
        "transformers": lambda: hf_generate(hf, config),
        "floor": lambda: floor_search(lm, beam_size, length),
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
    times = time_methods(runners(lm, hf, beam_size, length, eos=eos), grid)
    return {
        "part": part,
        "hidden_size": hidden_size,
        "vocab_size": vocab_size,
        "beam_size": beam_size,
        "length": length,
        "check": check,
        "times": times,
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


def build_models(
    hidden_size: int,
    vocab_sizes: Sequence[int],
    cell: str,
    seed: int,
    *,
    eos_probability: float | None = None,
) -> dict[int, tuple[RNNLanguageModel, RNNForCausalLM]]:
    """One reviewkit model per vocabulary size and its transformers wrapper.

    With ``eos_probability``, the output bias of :data:`EOS` is raised so
    that the untrained (nearly flat) model ends a sequence with about that
    probability at each step: the eos cells then see hypotheses finish.
    """
    models = {}
    for vocab_size in vocab_sizes:
        lm = RNNLanguageModel(vocab_size, hidden_size, cell=cell, seed=seed).eval()
        if eos_probability is not None:
            odds = eos_probability / (1 - eos_probability) * (vocab_size - 1)
            with torch.no_grad():
                lm.head.bias[EOS] += math.log(odds)
        config = RNNConfig(vocab_size=vocab_size, hidden_size=hidden_size)
        models[vocab_size] = (lm, RNNForCausalLM(config, lm).eval())
    return models


# -- the record -----------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, core count, OS and Python build of this machine."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": platform.platform(),
        "python_build": platform.python_implementation(),
    }


def versions() -> dict[str, str]:
    """Versions of everything that can change the timings, and the git commit."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--",
                "reviewkit/beam",
                "benchmarks/decoding.py",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    sources = hashlib.sha256()
    for module in (
        reviewkit.beam.interface,
        reviewkit.beam.rules,
        reviewkit.beam.search,
        reviewkit.beam.pool,
        reviewkit.beam.selection,
        reviewkit.beam.charlm,
    ):
        sources.update(Path(module.__file__).read_bytes())
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numpy": np.__version__,
        "reviewkit": reviewkit.__version__,
        "git_commit": commit + (" (with uncommitted changes)" if dirty else ""),
        # fingerprint of the decoder and model source this run imported
        "decoding_lm_sha256": sources.hexdigest()[:16],
    }


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write the results as JSON: the record indented, one line per cell."""
    head = {k: v for k, v in results.items() if k not in ("cells", "profiles")}
    cells = [
        cell
        | {"times": {m: [round(t, 7) for t in ts] for m, ts in cell["times"].items()}}
        for cell in results["cells"]
    ]
    text = json.dumps(head, indent=1)[:-2]  # drop the closing "\n}"
    for key, items in (("profiles", results.get("profiles", [])), ("cells", cells)):
        lines = ",\n".join("  " + json.dumps(x, separators=(",", ":")) for x in items)
        text += f',\n "{key}": [\n{lines}\n ]'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n}\n")


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
            "batch": 1,
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
