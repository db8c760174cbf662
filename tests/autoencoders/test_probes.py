"""Tests for reviewkit.autoencoders.probes."""

import numpy as np
import pytest
import torch

from reviewkit.autoencoders.data import load_digits_split
from reviewkit.autoencoders.probes import (
    label_efficiency,
    mean_std,
    probe_accuracy,
    rank_pairs,
    sample_per_class,
)


def _digit_labels():
    return load_digits_split(seed=0).y_train


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), 20)
    x = rng.normal(size=(60, 2, 2)) + 5 * y[:, None, None]
    return x, y


def test_probe_separates_separable_classes_and_flattens_maps():
    """A probe is perfect on well-separated classes, also for (N, C, H) features."""
    x, y = _blobs()
    assert probe_accuracy(x, y, x, y) == 1.0
    assert probe_accuracy(torch.tensor(x), torch.tensor(y), x, y) == 1.0


def test_probe_takes_what_scikit_learn_takes():
    """Nested lists and integral float labels probe like the arrays they hold."""
    x, y = _blobs()
    expected = probe_accuracy(x, y, x, y)
    assert probe_accuracy(x.tolist(), (y * 1.0).tolist(), x, y) == expected


def test_sample_per_class_takes_the_count_of_every_class_with_a_seed():
    """sample_per_class picks exactly per_class indices of each class, reproducibly."""
    y = _digit_labels()
    idx = sample_per_class(y, 7, seed=3)
    counts = np.bincount(y.numpy()[idx], minlength=10)
    assert (counts == 7).all() and len(set(idx.tolist())) == 70
    assert np.array_equal(idx, sample_per_class(y, 7, seed=3))
    assert not np.array_equal(idx, sample_per_class(y, 7, seed=4))


def test_label_efficiency_gives_one_accuracy_per_seed_and_count():
    """label_efficiency returns a (seeds, counts) table with mean and spread."""
    x, y = _blobs()
    curve = label_efficiency(lambda s: (x, x), y, y, [1, 5], seeds=[0, 1, 2])
    assert curve.accuracies.shape == (3, 2)
    assert curve.mean.shape == curve.std.shape == (2,)


def test_label_efficiency_is_probe_accuracy_on_each_drawn_subset():
    """Each entry is exactly probe_accuracy on the labels that seed draws."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    x = rng.normal(size=(60, 4)) + y[:, None]  # overlapping classes
    counts, seeds = [1, 3, 10], [0, 1]
    curve = label_efficiency(lambda s: (x + s, x), y, y, counts, seeds)
    for i, seed in enumerate(seeds):
        for j, count in enumerate(counts):
            idx = sample_per_class(y, count, seed)
            assert curve.accuracies[i, j] == probe_accuracy(
                (x + seed)[idx], y[idx], x, y
            )


def test_rank_pairs_sorts_every_pair_into_one_of_three():
    """Lower loss with higher score agrees, with lower score flips; a pair
    whose intervals overlap or touch on either measure is within noise."""
    zero = [0.0, 0.0, 0.0]
    assert rank_pairs([1, 2, 3], zero, [0.9, 0.8, 0.7], zero) == {
        "agree": [(0, 1), (0, 2), (1, 2)], "flip": [], "within noise": []}  # fmt: skip
    got = rank_pairs([1, 2, 3], zero, [0.8, 0.9, 0.7], zero)
    assert got["flip"] == [(0, 1)] and got["within noise"] == []
    # 0.958 +- 0.005 against 0.962 +- 0.002: overlapping scores are not a flip
    got = rank_pairs([1.0, 2.0], [0.1, 0.1], [0.958, 0.962], [0.005, 0.002])
    assert got == {"agree": [], "flip": [], "within noise": [(0, 1)]}
    # touching intervals (1 + 0.5 = 2 - 0.5) are within noise too
    got = rank_pairs([1.0, 2.0], [0.5, 0.5], [0.9, 0.5], [0.0, 0.0])
    assert got["within noise"] == [(0, 1)]
    got = rank_pairs([1.0, 2.0], [0.0, 0.0], [1.0, 0.5], [0.25, 0.25])
    assert got["within noise"] == [(0, 1)]
    # equal means, no spread: not apart
    assert rank_pairs([1.0, 1.0], [0, 0], [0.9, 0.5], [0, 0])["within noise"]


def test_mean_std_uses_the_sample_spread():
    """mean_std returns the mean and the ddof=1 standard deviation."""
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(2**0.5))


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: sample_per_class(_digit_labels(), 500, 0), ValueError, "per_class"),
        (lambda: sample_per_class(_digit_labels(), 0, 0), ValueError, "per_class"),
        (lambda: sample_per_class(np.linspace(0, 1, 5), 1, 0), ValueError, "labels"),
        (
            lambda: probe_accuracy(
                np.zeros((4, 2)), np.zeros(4, int), np.zeros((2, 2)), np.zeros(2, int)
            ),
            ValueError,
            "two classes",
        ),
        (
            lambda: probe_accuracy(
                np.zeros((4, 2)), np.arange(3), np.zeros((2, 2)), np.zeros(2, int)
            ),
            ValueError,
            "train_labels",
        ),
        (
            lambda: probe_accuracy(
                np.zeros((4, 2)), np.arange(4), np.zeros((2, 3)), np.zeros(2, int)
            ),
            ValueError,
            "test_features",
        ),
        (
            lambda: probe_accuracy(
                [1, 2], np.arange(2), np.zeros((2, 3)), np.zeros(2, int)
            ),
            ValueError,
            "train_features: Expected 2D array",
        ),
        (
            lambda: label_efficiency(
                lambda s: (0, 0), np.arange(4), np.arange(4), [1], [0]
            ),
            ValueError,
            "seeds",
        ),
        (lambda: mean_std([1.0]), ValueError, "values"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Too few labels for the classes and mismatched shapes raise clear errors."""
    with pytest.raises(error, match=name):
        call()
