"""Tests for reviewkit.probes, including the claims of pages 1b, 1d, 1e, 1f, 1g, 1i."""

import ae_models as M
import numpy as np
import pytest
import torch

from reviewkit.autoencoders import AutoencoderConfig, untrained_autoencoder
from reviewkit.probes import (
    label_efficiency,
    mean_std,
    probe_accuracy,
    rank_disagreements,
    sample_per_class,
)


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


def test_sample_per_class_takes_the_count_of_every_class_with_a_seed():
    """sample_per_class picks exactly per_class indices of each class, reproducibly."""
    y = M.digits().y_train
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


def test_rank_disagreements_finds_pairs_ordered_both_ways():
    """rank_disagreements lists pairs where the lower loss has the lower score."""
    assert rank_disagreements([1, 2, 3], [0.9, 0.8, 0.7]) == []
    assert rank_disagreements([1, 2, 3], [0.8, 0.9, 0.7]) == [(0, 1)]


def test_mean_std_uses_the_sample_spread():
    """mean_std returns the mean and the ddof=1 standard deviation."""
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(2**0.5))


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: sample_per_class(M.digits().y_train, 500, 0), ValueError, "per_class"),
        (lambda: sample_per_class(M.digits().y_train, 0, 0), ValueError, "per_class"),
        (lambda: sample_per_class(np.zeros(5), 1, 0), ValueError, "labels"),
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
            TypeError,
            "train_features",
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


# --- the chapter's claims, at small scale, over several seeds ------------------


def _acc(name):
    return np.array([M.probe(M.model(name, s)) for s in M.SEEDS])


def _own_loss(name):
    return np.array([M.model(name, s).val_loss[-1] for s in M.SEEDS])


def test_lower_own_loss_does_not_mean_better_probe():
    """1b: denoising has a higher own validation loss than code 8 but probes better."""
    assert (_own_loss("denoising") > _own_loss("code 8")).all()
    assert _acc("denoising").mean() > _acc("code 8").mean() + 0.02


def test_lower_clean_error_does_not_mean_better_probe():
    """1b: patch masking rebuilds clean digits better than pixels, probes worse."""
    from reviewkit.autoencoders import reconstruction_error

    x = M.digits().x_val
    err = {
        n: np.mean([reconstruction_error(M.model(n, s), x) for s in M.SEEDS])
        for n in ("pixel masked", "patch masked")
    }
    assert err["patch masked"] < err["pixel masked"]
    assert _acc("patch masked").mean() < _acc("pixel masked").mean()


def test_within_vanilla_family_lower_loss_probes_better():
    """1b: across vanilla codes of 2, 8, 32, 128 numbers loss falls, accuracy rises."""
    names = ["code 2", "code 8", "code 32", "code 128"]
    losses = [_own_loss(n).mean() for n in names]
    accs = [_acc(n).mean() for n in names]
    assert losses == sorted(losses, reverse=True)
    assert accs == sorted(accs)


def test_raw_pixels_beat_small_codes_with_all_labels():
    """1d: with all labels raw pixels beat 2-number codes by far, and 32-number."""
    raw = M.raw_accuracy()
    assert (_acc("code 2") < raw - 0.15).all()
    assert _acc("code 32").mean() < raw
    assert abs(_acc("code 128").mean() - raw) < 0.02  # overcomplete: about equal


def test_augmented_and_denoising_codes_probe_alike():
    """1h: the two models do different jobs, yet their codes probe within 0.02."""
    assert abs(_acc("augmented").mean() - _acc("denoising").mean()) < 0.02


def test_photo_trained_codes_transfer_but_do_not_beat_raw_pixels():
    """1e: photo-trained codes beat an untrained encoder on digits, not raw pixels."""
    d = M.digits()
    photo = np.array([M.probe(M.photo_model(s)) for s in M.SEEDS])
    rand = np.array(
        [M.probe(untrained_autoencoder(AutoencoderConfig(), s)) for s in M.SEEDS]
    )
    assert photo.mean() > rand.mean() + 0.01
    assert photo.mean() < M.raw_accuracy()
    few = label_efficiency(
        lambda s: (
            M.photo_model(s).encode(d.x_train),
            M.photo_model(s).encode(d.x_test),
        ),
        d.y_train,
        d.y_test,
        [5],
        M.SEEDS,
    )
    raw = label_efficiency(
        lambda s: (d.x_train, d.x_test), d.y_train, d.y_test, [5], M.SEEDS
    )
    assert few.mean[0] < raw.mean[0] + 0.02


@pytest.mark.parametrize("name", ["code 32", "denoising"])
def test_codes_help_most_with_few_labels(name):
    """1f: codes beat raw pixels at 1 label per class; the gain shrinks by 100."""
    d = M.digits()
    counts = [1, 100]
    raw = label_efficiency(
        lambda s: (d.x_train, d.x_test), d.y_train, d.y_test, counts, M.SEEDS
    )
    codes = label_efficiency(
        lambda s: (
            M.model(name, s).encode(d.x_train),
            M.model(name, s).encode(d.x_test),
        ),
        d.y_train,
        d.y_test,
        counts,
        M.SEEDS,
    )
    gain = codes.accuracies - raw.accuracies  # (seeds, counts)
    assert (gain[:, 0] > 0).all()
    assert gain[:, 1].mean() < gain[:, 0].mean() - 0.03


def test_patch_masking_gives_no_better_probe_at_our_scale():
    """1g: on 16x16 digits, patch-masking codes probe no better than pixel-masking."""
    big = M.big_digits()
    acc = {
        n: np.mean([M.probe(M.masked_16(n, s), big) for s in M.SEEDS])
        for n in M.MASKS_16
    }
    assert acc["patches"] <= acc["pixels"] + 0.01


@pytest.mark.parametrize("name", ["denoising", "pixel masked"])
def test_clean_inputs_probe_better_than_corrupted_inputs(name):
    """1i: codes of clean inputs probe better than codes of corrupted inputs."""
    d = M.digits()
    for s in M.SEEDS:
        m = M.model(name, s)
        gen = torch.Generator().manual_seed(100 + s)
        xtr, _ = m.config.corruption(d.x_train, gen)
        xte, _ = m.config.corruption(d.x_test, gen)
        corrupted = probe_accuracy(m.encode(xtr), d.y_train, m.encode(xte), d.y_test)
        assert M.probe(m) > corrupted + 0.05
