"""Tests for reviewkit.autoencoders.inpainting."""

import pytest
import torch

from reviewkit.autoencoders.corruptions import PatchMask, PixelMask
from reviewkit.autoencoders.data import load_digits_split, upsample
from reviewkit.autoencoders.inpainting import inpaint_from_neighbours


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_inpainting_fills_every_hidden_pixel_and_keeps_the_rest():
    """inpaint_from_neighbours changes only hidden pixels and fills all of them."""
    x = torch.rand(2, 8, 8, generator=_gen())
    x_in, mask = PatchMask(0.75, 4)(x, _gen(1))
    out = inpaint_from_neighbours(x_in, mask)
    assert torch.equal(out[~mask], x[~mask])
    assert torch.isfinite(out).all() and (out[mask] > 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interpolation_undoes_pixel_masking_but_not_patch_masking(seed):
    """1g: on upsampled digits, neighbour filling fixes pixels, not patches."""
    x = upsample(load_digits_split(seed=0).x_test, 16)

    def err(corruption):
        x_in, mask = corruption(x, _gen(seed))
        return ((inpaint_from_neighbours(x_in, mask) - x) ** 2)[mask].mean().item()

    assert 3 * err(PixelMask(0.75)) < err(PatchMask(0.75, 4))


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (
            lambda: inpaint_from_neighbours(
                torch.zeros(1, 8, 8), torch.zeros(1, 4, 4, dtype=torch.bool)
            ),
            ValueError,
            "mask",
        ),
        (
            lambda: inpaint_from_neighbours(torch.zeros(1, 8, 8), torch.zeros(1, 8, 8)),
            TypeError,
            "mask",
        ),
        (
            lambda: inpaint_from_neighbours(
                torch.zeros(8, 8), torch.zeros(8, 8, dtype=torch.bool)
            ),
            ValueError,
            "x",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """A mask of the wrong shape or dtype, or images not (N, H, W): clear errors."""
    with pytest.raises(error, match=name):
        call()
