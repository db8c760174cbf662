"""Tests for reviewkit.autoencoders.corruptions."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.autoencoders.corruptions import (
    Compose,
    GaussianNoise,
    NoCorruption,
    PatchMask,
    PixelMask,
    corrupt,
)
from reviewkit.checks import seeded_generator


def _gen(seed: int = 0) -> torch.Generator:
    return seeded_generator(seed)


@given(
    ratio=st.floats(0, 0.99),
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    seed=st.integers(0, 100),
)
def test_pixel_mask_hides_exactly_the_ratio(ratio, h, w, seed):
    """PixelMask hides round(ratio * H * W) pixels per image (or refuses none/all)."""
    x = torch.rand(5, h, w, generator=_gen(seed)) + 1
    k = round(ratio * h * w)
    if ratio > 0 and k in (0, h * w):
        with pytest.raises(ValueError, match="ratio"):
            PixelMask(ratio)(x, _gen(seed))
        return
    out, mask = PixelMask(ratio, fill=-1.0)(x, _gen(seed))
    assert (mask.sum(dim=(1, 2)) == round(ratio * h * w)).all()
    assert (out[mask] == -1).all()
    assert torch.equal(out[~mask], x[~mask])


@given(
    ratio=st.floats(0, 0.99),
    p=st.sampled_from([1, 2, 4]),
    tiles=st.integers(1, 4),
    seed=st.integers(0, 100),
)
def test_patch_mask_hides_whole_aligned_patches(ratio, p, tiles, seed):
    """PatchMask hides round(ratio * patches) whole aligned patches (or refuses)."""
    side = p * tiles
    x = torch.rand(4, side, side, generator=_gen(seed))
    k = round(ratio * tiles * tiles)
    if ratio > 0 and k in (0, tiles * tiles):  # would hide nothing or everything
        with pytest.raises(ValueError, match="ratio"):
            PatchMask(ratio, patch_size=p)(x, _gen(seed))
        return
    _, mask = PatchMask(ratio, patch_size=p)(x, _gen(seed))
    blocks = mask.view(4, tiles, p, tiles, p)
    per_patch = blocks.float().mean(dim=(2, 4))  # (4, tiles, tiles)
    assert ((per_patch == 0) | (per_patch == 1)).all()  # never a partial patch
    assert ((per_patch == 1).sum(dim=(1, 2)) == round(ratio * tiles * tiles)).all()


def test_patch_mask_on_a_single_patch_refuses_to_hide_nothing():
    """PatchMask(0.5, patch_size=8) on 8x8 images (one patch) raises, naming ratio."""
    with pytest.raises(ValueError, match="ratio=0.5 of 1 patches"):
        PatchMask(ratio=0.5, patch_size=8)(torch.rand(2, 8, 8), _gen())


@pytest.mark.parametrize("dtype", [torch.float16, torch.float64])
def test_corruptions_keep_the_input_dtype(dtype):
    """Every corruption returns images in the dtype it was given, and a bool mask."""
    x = torch.rand(3, 8, 8, generator=_gen()).to(dtype)
    for c in (GaussianNoise(0.3), PixelMask(0.5), PatchMask(0.5, 2), NoCorruption()):
        out, mask = c(x, _gen(1))
        assert out.dtype == dtype and mask.dtype == torch.bool


def test_gaussian_noise_has_the_requested_level():
    """GaussianNoise adds zero-mean noise with the requested standard deviation."""
    x = torch.rand(200, 8, 8, generator=_gen())
    out, mask = GaussianNoise(std=0.3)(x, _gen(1))
    diff = out - x
    assert abs(diff.mean().item()) < 0.01
    assert diff.std().item() == pytest.approx(0.3, rel=0.03)
    assert mask.all()


@pytest.mark.parametrize(
    "corruption",
    [
        NoCorruption(),
        GaussianNoise(0.5),
        PixelMask(0.5),
        PatchMask(0.5, 2),
        Compose((GaussianNoise(0.1), PatchMask(0.25, 4))),
    ],
)
def test_corruptions_leave_the_clean_target_untouched(corruption):
    """A corruption returns a new tensor and never changes the clean input."""
    x = torch.rand(3, 8, 8, generator=_gen())
    before = x.clone()
    out, mask = corruption(x, _gen(2))
    assert torch.equal(x, before)
    assert out.shape == mask.shape == x.shape and mask.dtype == torch.bool


def test_corruptions_are_deterministic_given_the_generator():
    """The same generator seed gives the same corruption, another seed another."""
    x = torch.rand(3, 8, 8, generator=_gen())
    c = Compose((GaussianNoise(0.2), PixelMask(0.5)))
    a, b, other = c(x, _gen(5)), c(x, _gen(5)), c(x, _gen(6))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], other[0])


def test_compose_mask_is_the_union():
    """Compose's mask marks every pixel any of its parts touched."""
    x = torch.rand(4, 8, 8, generator=_gen())
    _, m1 = PixelMask(0.25)(x, _gen(3))
    _, m = Compose((PixelMask(0.25), PatchMask(0.25, 4)))(x, _gen(3))
    assert (m >= m1).all() and m.sum() > m1.sum()


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: PixelMask(ratio=1.0), ValueError, "ratio"),
        (lambda: PixelMask(ratio=-0.1), ValueError, "ratio"),
        (lambda: PatchMask(ratio=1.2), ValueError, "ratio"),
        (lambda: PatchMask(patch_size=0), ValueError, "patch_size"),
        (
            lambda: PatchMask(patch_size=3)(torch.zeros(1, 8, 8), _gen()),
            ValueError,
            "patch_size",
        ),
        (lambda: GaussianNoise(std=-1.0), ValueError, "std"),
        (lambda: PixelMask()(torch.zeros(8, 8), _gen()), ValueError, "x"),
        (lambda: PixelMask()(torch.zeros(1, 8, 8), 0), TypeError, "generator"),
        (lambda: Compose(()), TypeError, "parts"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Ratio outside [0, 1), untiled patch size, bad shapes: clear errors."""
    with pytest.raises(error, match=name):
        call()


class _FloatMask:
    """A user's corruption that returns a 0/1 float mask instead of a boolean one."""

    def __call__(self, x, generator):
        return x.clone(), torch.ones_like(x)


class _OneMask:
    """A user's corruption with one (1, H, W) mask for the batch (it broadcasts)."""

    def __call__(self, x, generator):
        return x.clone(), torch.ones(1, *x.shape[1:], dtype=torch.bool)


class _Pair:
    """A user's corruption that returns its images only."""

    def __call__(self, x, generator):
        return x


@pytest.mark.parametrize(
    ("part", "error", "match"),
    [
        (_FloatMask(), TypeError, r"parts\[1\]=.*boolean mask.*mask.bool\(\)"),
        (_OneMask(), ValueError, r"parts\[1\]=.*a mask of the input's shape"),
        (_Pair(), TypeError, r"parts\[1\]=.*a pair \(corrupted, mask\)"),
    ],
)
def test_compose_checks_each_parts_output_and_names_the_part(part, error, match):
    """A Compose part returning a float, broadcast or missing mask is named."""
    with pytest.raises(error, match=match):
        Compose((GaussianNoise(0.1), part))(torch.rand(3, 8, 8), _gen())


def test_corrupt_casts_a_user_corruptions_images_to_the_input_dtype():
    """corrupt() returns a user's float64 output in the float32 dtype of the input."""

    def double(x, generator):
        return x.double() * 0.5, torch.ones_like(x, dtype=torch.bool)

    out, mask = corrupt(double, torch.ones(2, 4, 4), _gen())
    assert out.dtype == torch.float32 and bool((out == 0.5).all()) and mask.all()
