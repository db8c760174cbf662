"""Tests for reviewkit.autoencoders.transfer: the claims of 1e, at the page's size.

The experiment is the page's own (eight seeds, the same wide model); the
models live in the session's in-memory cache, so it runs once per session.
"""

import numpy as np
import pytest
from autoencoders.lab import transfer_experiment

from reviewkit.autoencoders.transfer import (
    TransferConfig,
    TransferResult,
)

FEW = slice(0, 3)  # the columns of 1, 2 and 3 labels per class


@pytest.fixture(scope="module")
def result(lab) -> TransferResult:
    """The page's transfer experiment (default config), run once."""
    return transfer_experiment(lab)


def test_the_page_runs_eight_paired_seeds_with_one_to_three_labels(result):
    """1e: at least 8 seeds, and the first counts are 1, 2 and 3 labels per class."""
    assert len(result.config.seeds) >= 8
    assert result.config.labels_per_class[FEW] == (1, 2, 3)
    n, k = len(result.config.seeds), len(result.config.labels_per_class)
    for table in (result.photo, result.untrained, result.raw):
        assert table.shape == (n, k)


def test_photo_codes_beat_raw_pixels_with_one_to_three_labels(result):
    """1e: with 1-3 labels per class the paired gain over raw pixels is > 2 SE."""
    mean, se = result.gain_mean_se("raw")
    assert (mean[FEW] > 2 * se[FEW]).all()


def test_photo_codes_beat_the_untrained_network_with_few_labels(result):
    """1e: gain over the untrained net is > 0 at 1-3 labels and > 2 SE pooled."""
    mean, _ = result.gain_mean_se("untrained")
    assert (mean[FEW] > 0).all()
    pooled = result.gain("untrained")[:, FEW].mean(axis=1)  # (seeds,)
    assert pooled.mean() > 2 * pooled.std(ddof=1) / np.sqrt(len(pooled))


def test_most_of_the_one_label_gain_comes_from_the_untrained_network(result):
    """1e: at 1 label, untrained minus raw exceeds photo minus untrained."""
    untrained_over_raw = (result.untrained - result.raw)[:, 0].mean()
    assert untrained_over_raw > result.gain_mean_se("untrained")[0][0] > 0


def test_gain_over_raw_pixels_shrinks_as_labels_grow(result):
    """1e: the gain over raw pixels at 10 labels per class is below the 1-label gain."""
    mean, _ = result.gain_mean_se("raw")
    assert mean[-1] < mean[0]


def test_transfer_stops_helping_with_ten_or_all_labels(result):
    """1e: at 10 labels per class both gains are within 0.02 of zero; with every
    label the photo codes fall short of raw pixels."""
    assert result.config.labels_per_class[-1] == 10
    for baseline in ("raw", "untrained"):
        assert abs(result.gain_mean_se(baseline)[0][-1]) < 0.02
    assert result.photo_all.mean() < result.raw_all


def test_gain_mean_se_is_the_paired_mean_and_standard_error():
    """gain_mean_se returns the mean difference and std(ddof=1) / sqrt(n)."""
    photo = np.array([[0.5], [0.7], [0.6]])
    raw = np.array([[0.4], [0.5], [0.6]])
    r = TransferResult(TransferConfig(), photo, raw, raw, np.zeros(3), 0.0)
    mean, se = r.gain_mean_se("raw")
    assert mean == pytest.approx([0.1])
    assert se == pytest.approx([np.std([0.1, 0.2, 0.0], ddof=1) / np.sqrt(3)])


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: TransferConfig(hidden=0), ValueError, "hidden"),
        (lambda: TransferConfig(seeds=(1,)), ValueError, "seeds"),
        (lambda: TransferConfig(seeds=[0, 1]), TypeError, "seeds"),
        (lambda: TransferConfig(labels_per_class=(0,)), ValueError, "labels_per_class"),
        (
            lambda: TransferResult(
                TransferConfig(), *[np.zeros((1, 1))] * 3, np.zeros(1), 0.0
            ).gain("pixels"),
            ValueError,
            "baseline",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Out-of-range settings and unknown baselines raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()
