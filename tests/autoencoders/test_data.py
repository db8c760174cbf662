"""Tests for reviewkit.autoencoders.data."""

import pytest
import torch

from reviewkit.autoencoders.data import load_digits_split, photo_patches, upsample


def _neighbour_corr(x: torch.Tensor) -> float:
    a, b = x[:, :, :-1].flatten(), x[:, :, 1:].flatten()
    return torch.corrcoef(torch.stack([a, b]))[0, 1].item()


def test_split_sizes_are_disjoint_and_cover_the_digits():
    """The split puts 1257/180/360 digits in train/val/test, each image once."""
    d = load_digits_split(seed=0)
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (1257, 180, 360)
    flat = torch.cat([d.x_train, d.x_val, d.x_test]).flatten(1)
    assert torch.unique(flat, dim=0).shape[0] >= 1797 - 20  # a few duplicates
    assert d.x_train.shape[1:] == (8, 8)
    assert d.x_train.min() >= 0 and d.x_train.max() <= 1


def test_split_is_stratified_and_seeded():
    """Every class is in every set; the same seed gives the same split, others not."""
    a, b, c = load_digits_split(seed=0), load_digits_split(seed=0), load_digits_split(1)
    for y in (a.y_train, a.y_val, a.y_test):
        assert set(y.tolist()) == set(range(10))
    assert torch.equal(a.x_train, b.x_train)
    assert not torch.equal(a.x_train, c.x_train)


def test_numpy_fractions_split_like_python_floats():
    """NumPy float fractions (float32 too) give the split of the same Python floats."""
    import numpy as np

    a = load_digits_split(
        0, val_fraction=np.float32(0.1), test_fraction=np.float64(0.2)
    )
    assert torch.equal(a.x_train, load_digits_split(0).x_train)


def test_upsampled_digits_have_correlated_neighbours():
    """Bilinear upsampling to 16x16 makes neighbouring pixels far more correlated."""
    d = load_digits_split(seed=0)
    big = upsample(d.x_test, 16)
    assert big.shape == (360, 16, 16)
    assert _neighbour_corr(big) > 0.85
    assert _neighbour_corr(big) > _neighbour_corr(d.x_test) + 0.1


def test_photo_patches_are_seeded_and_in_range():
    """Photo patches have the requested shape, span [0, 1] and follow the seed."""
    p = photo_patches(50, seed=3)
    assert p.shape == (50, 8, 8)
    assert torch.allclose(p.amin(dim=(1, 2)), torch.zeros(50), atol=1e-6)
    assert torch.allclose(p.amax(dim=(1, 2)), torch.ones(50), atol=1e-6)
    assert torch.equal(p, photo_patches(50, seed=3))
    assert not torch.equal(p, photo_patches(50, seed=4))


def test_photo_patches_differ_from_digits():
    """Photo patches are unlike digits: digits are mostly blank, patches are not."""
    d = load_digits_split(seed=0)
    blank_digits = (d.x_test < 0.05).float().mean().item()
    blank_photos = (photo_patches(360, seed=0) < 0.05).float().mean().item()
    assert blank_digits > 0.4 and blank_photos < 0.2


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: upsample(torch.zeros(8, 8), 16), ValueError, "images"),
        (
            lambda: upsample(torch.zeros(2, 8, 8, dtype=torch.long), 16),
            TypeError,
            "images",
        ),
        (lambda: upsample(torch.zeros(2, 8, 8), 4), ValueError, "size"),
        (lambda: load_digits_split(val_fraction=1.5), ValueError, "val_fraction"),
        (
            lambda: load_digits_split(val_fraction=0.5, test_fraction=0.5),
            ValueError,
            "test_fraction",
        ),
        (lambda: load_digits_split(seed=-1), ValueError, "seed"),
        (lambda: photo_patches(0), ValueError, "n"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Wrong shapes, types and ranges raise an error that names the argument."""
    with pytest.raises(error, match=name):
        call()
