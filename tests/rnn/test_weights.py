"""Tests for reviewkit.rnn.weights: matrices with a chosen spectral radius."""

import pytest
import torch

from reviewkit import rnn
from reviewkit.checks import seeded_generator


def _spectral_radius(W: torch.Tensor) -> float:
    return torch.linalg.eigvals(W.double()).abs().max().item()


@pytest.mark.parametrize("kind", ["symmetric", "orthogonal", "gaussian"])
@pytest.mark.parametrize("radius", [0.5, 0.9, 1.0, 1.3])
def test_matrix_has_the_exact_spectral_radius(kind, radius):
    """matrix_with_spectral_radius gives the requested spectral radius."""
    for seed in range(3):
        W = rnn.matrix_with_spectral_radius(16, radius, kind=kind, seed=seed)
        assert _spectral_radius(W) == pytest.approx(radius, rel=1e-5)


def test_orthogonal_kind_scales_every_vector_by_the_radius():
    """The scaled orthogonal matrix is normal: |W^k v| = rho^k |v| (page 2a)."""
    W = rnn.matrix_with_spectral_radius(8, 0.9, kind="orthogonal", seed=0).double()
    v = torch.randn(8, dtype=torch.float64, generator=seeded_generator(1))
    for k in (1, 5, 20):
        Wk_v = torch.linalg.matrix_power(W, k) @ v
        assert Wk_v.norm().item() == pytest.approx(0.9**k * v.norm().item(), rel=1e-5)


def test_gaussian_scale_is_roughly_the_spectral_radius():
    """A Gaussian matrix of weight scale s has spectral radius near s (circular law)."""
    for seed in range(3):
        for scale in (0.5, 1.0, 2.0):
            W = rnn.gaussian_matrix(64, 64, scale, seed=seed)
            assert _spectral_radius(W) == pytest.approx(scale, rel=0.2)
