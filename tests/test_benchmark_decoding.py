"""Tests for the decoding benchmark (benchmarks/decoding.py) and its results.

The script is not part of the package; it is loaded from its file, and the
modules it runs (``benchmarks.agreement``, ``benchmarks.hf_model``, ...) are
imported from the repository root. Tests that run them need transformers (the
``bench`` extra) and are skipped without it; the checks of the committed
results file need only reviewkit.
"""

import importlib
import importlib.util
import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from reviewkit.beam.exact import exhaustive_search
from reviewkit.beam.hypothesis import Hypothesis
from reviewkit.beam.rules import SearchRules
from reviewkit.beam.search import beam_search
from reviewkit.beam.selection import PATHS_ON_HOST

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "decoding.py"
if str(ROOT) not in sys.path:  # the report lives beside the harness, not in reviewkit
    sys.path.insert(0, str(ROOT))

from benchmarks import report as benchmarks  # noqa: E402
from benchmarks.floor import floor_search, floor_search_batch  # noqa: E402
from benchmarks.grid import (  # noqa: E402
    BOS,
    EOS,
    EOS_LENGTH_PENALTY,
    EOS_PROBABILITY,
    Grid,
    batch_prompts,
)
from benchmarks.results_file import write_results  # noqa: E402


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module (skips without transformers)."""
    pytest.importorskip("transformers")
    spec = importlib.util.spec_from_file_location("bench_decoding", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_decoding"] = module
    spec.loader.exec_module(module)
    return module


def _harness(name):
    """One of the benchmark's modules that need transformers (skips without)."""
    pytest.importorskip("transformers")
    return importlib.import_module(f"benchmarks.{name}")


@pytest.fixture(scope="module")
def hf_model():
    """The transformers wrapper of reviewkit's RNN language model."""
    return _harness("hf_model")


@pytest.fixture(scope="module")
def agreement():
    """The checks that both searches return the same n-best lists."""
    return _harness("agreement")


@pytest.fixture(scope="module")
def timing():
    """The timing of one cell's three decodes."""
    return _harness("timing")


@pytest.fixture(scope="module")
def machine():
    """The record of the machine and the versions."""
    return _harness("machine")


def tiny(hf_model, vocab_size=7, hidden_size=8, cell="gru", seed=0):
    """A tiny model and its transformers wrapper."""
    return hf_model.build_models(hidden_size, [vocab_size], cell, seed)[vocab_size]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("cell", ["gru", "rnn"])
@pytest.mark.parametrize(
    ("vocab_size", "beam_size", "length"),
    [(5, 1, 6), (7, 3, 5), (13, 8, 12), (6, 4, 1)],
)
def test_three_methods_agree(
    agreement, hf_model, seed, cell, vocab_size, beam_size, length
):
    """reviewkit, transformers and the floor return the same n-best and scores."""
    lm, hf = tiny(hf_model, vocab_size, cell=cell, seed=seed)
    with torch.inference_mode():
        check = agreement.check_cell(lm, hf, beam_size, length)
    assert check["same_hypotheses"]
    assert check["max_score_difference"] <= agreement.TOLERANCE
    assert check["max_floor_difference"] <= agreement.TOLERANCE  # small scores here
    if check["first_tie"] is None:
        assert check["verified_length"] == length


@pytest.mark.parametrize("seed", [0, 3])
def test_wide_beam_is_exhaustive_search(hf_model, seed):
    """With k >= M^(T-1) every method's n-best is the exact top k of all M^T."""
    vocab_size, length = 3, 4
    beam_size = vocab_size ** (length - 1)
    lm, hf = tiny(hf_model, vocab_size, seed=seed)
    with torch.inference_mode():
        exact = exhaustive_search(lm, length, prompt=[BOS])[:beam_size]
        theirs = hf_model.hf_generate(
            hf, hf_model.hf_config(beam_size, length, scores=True)
        )
        floor = floor_search(lm, beam_size, length)
    got = [tuple(s[1:]) for s in theirs.sequences.tolist()]
    assert got == [h.tokens for h in exact]
    for a, b, c in zip(exact, theirs.sequences_scores, floor, strict=True):
        assert float(b) == pytest.approx(a.score, abs=1e-4)
        assert float(c) == pytest.approx(a.score, abs=1e-4)


@pytest.mark.parametrize(("batch_size", "beam_size", "length"), [(5, 3, 6), (9, 2, 4)])
def test_a_batch_of_unequal_prompts_agrees_prompt_by_prompt(
    agreement, hf_model, batch_size, beam_size, length
):
    """The batched cells' check: each prompt's lists agree, padding or not."""
    lm, hf = tiny(hf_model, 6)
    prompts = batch_prompts(batch_size, 6)
    assert len({len(p) for p in prompts}) > 1  # unequal lengths, so some padding
    with torch.inference_mode():
        check = agreement.check_batch_cell(lm, hf, prompts, beam_size, length)
        floor = floor_search_batch(lm, prompts, beam_size, length)
        for prompt, scores in zip(prompts, floor, strict=True):
            alone = beam_search(lm, length, beam_size, prompt=prompt)
            assert scores.tolist() == pytest.approx([h.score for h in alone], abs=1e-5)
    assert check["same_hypotheses"]
    assert check["max_score_difference"] <= agreement.TOLERANCE


def test_the_wrapper_reads_a_padded_batch_without_its_padding(hf_model):
    """The masked prefill gives each row the state of its prompt read alone."""
    lm, hf = tiny(hf_model, 6)
    prompts = [[0, 3, 4], [0], [0, 5]]
    ids, mask = hf_model.padded_batch(prompts)
    assert ids.tolist() == [[0, 3, 4], [0, 0, 0], [0, 0, 5]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1], [0, 1, 1]]
    with torch.inference_mode():
        out = hf(ids, attention_mask=mask)
        for row, prompt in enumerate(prompts):
            log_probs, state = lm.start(torch.tensor([prompt]))
            assert torch.allclose(out.logits[row, -1].log_softmax(-1), log_probs[0])
            assert torch.equal(out.cache[:, row], state[:, 0])


def test_a_batch_with_a_mismatch_is_refused(agreement, hf_model, monkeypatch):
    """A batched check fails, naming the prompt, when one prompt's lists differ."""
    lm, hf = tiny(hf_model, 6)
    real = agreement.beam_search_batch

    def wrong(*args, **kwargs):
        found = real(*args, **kwargs)
        found[2] = found[2][::-1]  # prompt 2's list out of order
        return found

    monkeypatch.setattr(agreement, "beam_search_batch", wrong)
    monkeypatch.setattr(agreement, "boundary_gaps", lambda *a: [(1.0, -1.0)] * 4)
    with (
        pytest.raises(agreement.DisagreementError, match="prompt 2"),
        torch.inference_mode(),
    ):
        agreement.check_batch_cell(lm, hf, batch_prompts(4, 6), 3, 4)


def test_wrapper_shares_the_module(hf_model):
    """The transformers wrapper holds the very module reviewkit decodes."""
    lm, hf = tiny(hf_model)
    assert hf.lm is lm
    assert all(p.dtype == torch.float32 for p in lm.parameters())


def test_transformers_config_is_canonical_beam_search(hf_model):
    """generate is set up as fixed-length beam search scored by summed log-probs."""
    config = hf_model.hf_config(4, 9, scores=True)
    assert config.num_beams == config.num_return_sequences == 4
    assert config.max_new_tokens == 9
    assert config.length_penalty == 0.0
    assert config.early_stopping == "never"
    assert config.eos_token_id is None
    assert not config.do_sample


def fake_output(tokens, scores):
    """An object shaped like generate's output for a beam of ``tokens``."""
    sequences = torch.tensor([[0, *t] for t in tokens])
    return SimpleNamespace(sequences=sequences, sequences_scores=torch.tensor(scores))


def test_compare_accepts_equal_lists(agreement):
    """Identical lists agree, with zero differences and no ties counted."""
    ours = [Hypothesis((1, 2), -1.0), Hypothesis((2, 2), -2.0)]
    got = agreement.compare(
        ours, fake_output([(1, 2), (2, 2)], [-1.0, -2.0]), torch.tensor([-1.0, -2.0]), 2
    )
    assert got["max_score_difference"] == 0.0
    assert got["ties_broken_differently"] == 0


@pytest.mark.parametrize(
    ("tokens", "scores", "floor"),
    [
        ([(1, 2), (2, 2), (4, 4)], [-1.0, -2.001, -3.0], [-1.0, -2.0, -3.0]),
        ([(1, 2), (3, 3), (4, 4)], [-1.0, -2.0, -3.0], [-1.0, -2.0, -3.0]),
        ([(1, 2), (2, 2), (4, 4)], [-1.0, -2.0, -3.0], [-1.0, -2.5, -3.0]),
        ([(1, 2), (2, 2)], [-1.0, -2.0], [-1.0, -2.0, -3.0]),
    ],
    ids=["score off", "other member", "floor off", "too short"],
)
def test_compare_rejects_different_lists(agreement, tokens, scores, floor):
    """A score off by more than 1e-4 or a different untied hypothesis is an error."""
    ours = [
        Hypothesis((1, 2), -1.0),
        Hypothesis((2, 2), -2.0),
        Hypothesis((4, 4), -3.0),
    ]
    with pytest.raises(agreement.DisagreementError):
        agreement.compare(ours, fake_output(tokens, scores), torch.tensor(floor), 3)


def test_tolerance_follows_float32_resolution(agreement):
    """Scores are compared to 1e-4, or to 4 float32 ulps where that is coarser."""
    assert agreement.tolerance(-5.0) == agreement.TOLERANCE
    assert agreement.tolerance(-3000.0) == pytest.approx(4 * 2.44140625e-4)
    assert agreement.close(-3000.0, -3000.0 - 2.44140625e-4)
    assert not agreement.close(-30.0, -30.0 - 2.44140625e-4)


def test_compare_excuses_ties(agreement):
    """Hypotheses tied within 1e-4 may swap places or differ at the end."""
    ours = [Hypothesis((1,), -1.0), Hypothesis((2,), -1.0), Hypothesis((3,), -2.0)]
    theirs = fake_output([(2,), (1,), (4,)], [-1.0, -1.0, -2.00005])
    got = agreement.compare(ours, theirs, torch.tensor([-1.0, -1.0, -2.0]), 3)
    assert got["ties_broken_differently"] == 3


def test_boundary_gaps_find_ties(agreement, hf_model):
    """A model with a flat output ties every candidate; a random one does not."""
    lm, _ = tiny(hf_model, 9)
    with torch.inference_mode():
        gaps = agreement.boundary_gaps(lm, 3, 6)
        assert all(gap > agreement.tolerance(kth) for gap, kth in gaps)
        torch.nn.init.zeros_(lm.head.weight)
        torch.nn.init.zeros_(lm.head.bias)
        assert [gap for gap, _ in agreement.boundary_gaps(lm, 3, 6)] == [0.0] * 6


def test_check_cell_excuses_only_ties(hf_model, agreement, monkeypatch):
    """A disagreement without a tie fails; after a tie it is checked up to the tie."""
    lm, hf = tiny(hf_model, 9)
    real = hf_model.hf_generate

    def wrong(model, config):
        out = real(model, config)
        out.sequences_scores = out.sequences_scores - 1.0
        return out

    monkeypatch.setattr(agreement, "hf_generate", wrong)
    with torch.inference_mode(), pytest.raises(agreement.DisagreementError):
        agreement.check_cell(lm, hf, 3, 6)
    monkeypatch.setattr(agreement, "hf_generate", real)
    with torch.inference_mode():
        torch.nn.init.zeros_(lm.head.weight)  # every candidate ties
        torch.nn.init.zeros_(lm.head.bias)
        check = agreement.check_cell(lm, hf, 3, 6)
    assert check["first_tie"] == 1
    assert check["tie_steps"] == 6


def test_results_file_round_trips(hf_model, timing, machine, tmp_path):
    """A run of a tiny grid writes a file that loads with every cell timed."""
    grid = Grid(
        hidden_sizes=(8,),
        vocab_sizes=(5,),
        beam_sizes=(1, 2),
        lengths=(2, 3),
        long_hidden_size=8,
        long_vocab_size=5,
        long_beam_sizes=(2,),
        long_lengths=(2, 3),
        warmup=1,
        min_repeats=5,
        max_repeats=5,
        seconds_per_cell=0.0,
        profiles=(),
    )
    models = hf_model.build_models(8, [5], "gru", 0)
    with torch.inference_mode():
        cells = [
            timing.run_cell("grid", models, 8, 5, k, t, grid)
            for k in grid.beam_sizes
            for t in grid.lengths
        ]
    results = {
        "machine": machine.machine(),
        "versions": machine.versions(),
        "settings": {},
        "grid": {
            "hidden_size": [8],
            "vocab_size": [5],
            "beam_size": [1, 2],
            "length": [2, 3],
        },
        "long": {},
        "cells": cells,
    }
    path = tmp_path / "results.json"
    write_results(results, path)
    loaded = benchmarks.load_results(path)
    assert len(loaded["cells"]) == 4
    assert all(len(c["times"]["floor"]) == 5 for c in loaded["cells"])
    assert loaded["versions"]["transformers"] == hf_model.TRANSFORMERS_VERSION


def test_script_refuses_another_transformers(bench, monkeypatch):
    """The script stops when transformers is not the release its wrapper targets."""
    monkeypatch.setattr(bench.transformers, "__version__", "4.0.0")
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--output", "/dev/null"])


def test_transformers_runs_greedy_for_one_beam(hf_model, monkeypatch):
    """generate(num_beams=1) runs the greedy loop, num_beams > 1 beam search."""
    _, hf = tiny(hf_model)
    calls = []
    for name in ("_sample", "_beam_search"):
        real = getattr(type(hf), name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(type(hf), name, spy)
    with torch.inference_mode():
        hf_model.hf_generate(hf, hf_model.hf_config(1, 3, scores=False))
        hf_model.hf_generate(hf, hf_model.hf_config(2, 3, scores=False))
    assert calls == ["_sample", "_beam_search"]


@pytest.mark.parametrize(("vocab_size", "hidden_size"), [(100, 64), (10000, 256)])
def test_untrained_model_is_nearly_flat(vocab_size, hidden_size):
    """The benchmark's random model spreads its next-token mass almost uniformly."""
    from reviewkit.beam.charlm import RNNLanguageModel

    lm = RNNLanguageModel(vocab_size, hidden_size, seed=0).eval()
    with torch.inference_mode():
        log_probs, _ = lm.start(torch.zeros(4, 1, dtype=torch.long))
    entropy = -(log_probs.exp() * log_probs).sum(1)
    assert (entropy > 0.95 * torch.log(torch.tensor(float(vocab_size)))).all()


# -- the committed results (no transformers needed) ---------------------------


@pytest.fixture(scope="module")
def committed():
    """The committed full-grid results."""
    return benchmarks.load_results()


def test_committed_results_cover_the_issue_grid(committed):
    """The committed file holds the full grid the issue asks for, every cell checked."""
    assert committed["grid"] == {
        "hidden_size": [64, 256],
        "vocab_size": [100, 1000, 10000],
        "beam_size": [1, 4, 16, 64],
        "length": [10, 50, 200],
    }
    assert max(committed["long"]["length"]) == 800
    assert not committed["settings"]["quick"]
    assert all(c["check"]["same_hypotheses"] for c in committed["cells"])
    long = [c for c in committed["cells"] if c["part"] == "long"]
    assert sorted({c["length"] for c in long}) == committed["long"]["length"]


def test_committed_batches_span_eight_prompt_lengths(committed):
    """The Performance page: each batch is a one-token start and up to seven
    random tokens, so it spans eight lengths; and every batched cell agreed."""
    batch = [c for c in committed["cells"] if c["part"] == "batch"]
    assert batch and all(c["check"]["same_hypotheses"] for c in batch)
    for cell in batch:
        prompts = batch_prompts(cell["batch_size"], cell["vocab_size"])
        assert {p[0] for p in prompts} == {BOS}
        assert [len(p) for p in prompts] == cell["prompt_lengths"]  # as timed
        assert sorted(set(cell["prompt_lengths"])) == list(range(1, 9))


def test_committed_results_record_the_machine(committed):
    """The record names the machine, versions, date, threads and load average."""
    assert committed["machine"]["cpu"] and committed["machine"]["cores"] >= 1
    assert len(committed["machine"]["load_average_before"]) == 3
    assert committed["versions"]["transformers"] == "5.24.0"
    assert committed["versions"]["torch"].startswith("2.13.0")
    assert committed["settings"]["threads"] >= 1
    assert json.loads(json.dumps(committed["date"]))[:4] == "2026"


def test_committed_worst_cell_excess_is_bookkeeping(committed):
    """In the worst cell reviewkit's extra calls are views, one topk a step, and
    a read-back in Python or by about log2 T gathers, as the page's clause
    says, and the network runs as often as in the floor (the page says so)."""
    rows = benchmarks.cell_rows(committed)
    worst = max(rows, key=lambda r: r["reviewkit/floor"])
    cell = (worst["H"], worst["M"], worst["k"], worst["T"])
    ops = sorted(
        benchmarks.profile_rows(committed, cell),
        key=lambda op: op["reviewkit calls"] - op["floor calls"],
        reverse=True,
    )
    views = {"aten::view", "aten::slice", "aten::as_strided", "aten::reshape"}
    views |= {"aten::select", "aten::unsqueeze", "aten::expand", "aten::narrow"}
    assert {op["name"] for op in ops[:3]} <= views
    calls = {op["name"]: (op["reviewkit calls"], op["floor calls"]) for op in ops}
    assert calls["aten::topk"] == (worst["T"], worst["T"])  # one per step each
    # the network's own operators run as often in both: the page says their
    # times differ between the profiled runs, not their work
    for network_op in ("aten::addmm", "aten::gru"):
        assert calls[network_op][0] == calls[network_op][1] > 0
    gathers, floor_gathers = calls.get("aten::gather", (0, 0))
    assert floor_gathers == 0
    # the page says how the paths were read back: in Python, with no gather,
    # up to PATHS_ON_HOST back-pointers, else by doubling, about log2 T gathers
    if worst["k"] * worst["T"] <= PATHS_ON_HOST:
        assert gathers == 0
    else:
        assert 1 <= gathers <= math.ceil(math.log2(worst["T"])) + 3


def test_committed_gap_to_the_floor_shrinks_with_the_network(committed):
    """reviewkit's gap to the floor is largest for the smallest network."""
    summary = {
        (r["H"], r["M"]): r["reviewkit/floor"]
        for r in benchmarks.ratio_summary(committed)
    }
    assert summary[(64, 100)] == max(summary.values())
    assert summary[(256, 10000)] == min(summary.values()) < benchmarks.FLOOR_RATIO


def test_committed_small_cell_launches_more_operations(committed):
    """In the smallest profiled cell reviewkit launches more ops than the floor."""
    sizes = ("hidden_size", "vocab_size", "beam_size")
    small = min(committed["profiles"], key=lambda p: [p[s] for s in sizes])
    calls = {
        m: sum(op["calls"] for op in prof["ops"])
        for m, prof in small["methods"].items()
    }
    assert calls["floor"] < calls["reviewkit"] < calls["transformers"]


def test_committed_transformers_step_grows_with_length(committed):
    """transformers' cost per step grows with T, beyond flat and beyond reviewkit's."""
    ratios = {}
    for row in benchmarks.flatness(committed):
        ratios[(row["k"], row["method"])] = row["ratio"]
    for (k, method), ratio in ratios.items():
        if method == "transformers":
            assert ratio > benchmarks.FLAT_RATIO
            assert ratio > ratios[(k, "reviewkit")]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    ("vocab_size", "beam_size", "length"), [(50, 3, 12), (100, 4, 20), (60, 2, 30)]
)
def test_searches_with_an_end_token_agree(
    hf_model, agreement, seed, vocab_size, beam_size, length
):
    """With eos, reviewkit's pool and generate's return the same n-best by score/L."""
    models = hf_model.build_models(
        8, [vocab_size], "gru", seed, eos_probability=EOS_PROBABILITY
    )
    lm, hf = models[vocab_size]
    with torch.inference_mode():
        check = agreement.check_cell(lm, hf, beam_size, length, eos=True)
        rules = SearchRules(eos=EOS, length_penalty=1.0)
        ours = beam_search(lm, length, beam_size, prompt=[BOS], rules=rules)
    assert check["same_hypotheses"] and check["max_floor_difference"] is None
    assert any(h.tokens[-1] == EOS for h in ours)  # the pool is exercised


def test_end_token_config_matches_reviewkits_rules(hf_model):
    """The eos cells ask generate for the pool, score / L and the exact stop rule."""
    config = hf_model.hf_config(4, 9, scores=True, eos=True)
    assert config.eos_token_id == EOS
    assert config.length_penalty == EOS_LENGTH_PENALTY == 1.0
    assert config.early_stopping == "never"


def test_eos_bias_makes_the_end_token_about_that_likely(hf_model):
    """The eos cells' model gives the end token about EOS_PROBABILITY at a step."""
    ((lm, _),) = hf_model.build_models(
        16, [500], "gru", 0, eos_probability=EOS_PROBABILITY
    ).values()
    with torch.inference_mode():
        log_probs, _ = lm.start(torch.zeros(4, 1, dtype=torch.long))
    p = log_probs[:, EOS].exp()
    assert ((p > 0.5 * EOS_PROBABILITY) & (p < 2 * EOS_PROBABILITY)).all()
