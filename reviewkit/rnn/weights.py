"""Recurrent weight matrices with a chosen spectral radius or weight scale.

The long-run growth of :math:`\\|W_h^k\\|` is set by the spectral radius
:math:`\\rho(W_h) = \\max_i |\\lambda_i|`: exact in
:func:`matrix_with_spectral_radius`, about the weight scale in
:func:`gaussian_matrix` (the circular law). Draws use the caller's seed only.
"""

from __future__ import annotations

import math

import torch

from reviewkit.checks import check_choice, check_float, check_int, seeded_generator

__all__ = [
    "MATRIX_KINDS",
    "MAX_SCALE",
    "check_scale",
    "gaussian_matrix",
    "matrix_with_spectral_radius",
]

#: The kinds of random matrix :func:`matrix_with_spectral_radius` draws.
MATRIX_KINDS: tuple[str, ...] = ("orthogonal", "symmetric", "gaussian")

#: Weight scales and spectral radii above this are refused, so that entries
#: stay well inside float32's range (about 3.4e38) instead of becoming inf.
MAX_SCALE = 1e36


def check_scale(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a weight scale in ``[0, MAX_SCALE]``."""
    value = check_float(name, value, low=0.0)
    if value > MAX_SCALE:
        raise ValueError(
            f"{name} must be <= {MAX_SCALE:g}, which keeps float32 weights finite; "
            f"larger ones overflow to inf, got {value:g}"
        )
    return value


def gaussian_matrix(rows: int, cols: int, scale: float, *, seed: int) -> torch.Tensor:
    """A Gaussian matrix whose entries have standard deviation ``scale / sqrt(cols)``.

    For a square matrix the eigenvalues fill a disc of radius close to
    ``scale`` (the circular law), so ``scale`` is roughly the spectral radius.

    .. math::

        W_{ij} \\sim \\mathcal{N}(0, \\mathrm{scale}^2 / \\mathrm{cols})

    Args:
        rows: Number of rows.
        cols: Number of columns (the fan-in).
        scale: The weight scale, in ``[0, MAX_SCALE]``; 0 gives the zero matrix.
        seed: Seed of the generator that draws the entries.

    Returns:
        The matrix, shape (rows, cols), float32.
    """
    rows = check_int("rows", rows, minimum=1)
    cols = check_int("cols", cols, minimum=1)
    scale = check_scale("scale", scale)
    G = torch.randn(rows, cols, generator=seeded_generator(seed))  # (rows, cols)
    # W_ij ~ N(0, scale^2 / cols)
    return G * (scale / math.sqrt(cols))


def matrix_with_spectral_radius(
    size: int, radius: float, *, kind: str = "symmetric", seed: int
) -> torch.Tensor:
    """A random square matrix rescaled so its spectral radius is exactly ``radius``.

    .. math::

        W = \\rho \\, \\frac{A}{\\max_i |\\lambda_i(A)|}

    ``kind`` picks ``A``: ``"symmetric"`` (a normal matrix with spread-out real
    eigenvalues), ``"orthogonal"`` (a normal matrix whose eigenvalues all have
    modulus :math:`\\rho`, so :math:`\\|W^k v\\| = \\rho^k \\|v\\|`) or
    ``"gaussian"`` (a generic, non-normal matrix).

    Args:
        size: Number of rows and columns.
        radius: The spectral radius :math:`\\rho` wanted, in ``[0, MAX_SCALE]``.
        kind: One of ``"symmetric"``, ``"orthogonal"``, ``"gaussian"``.
        seed: Seed of the generator that draws ``A``.

    Returns:
        The matrix, shape (size, size), in float32.
    """
    size = check_int("size", size, minimum=1)
    radius = check_scale("radius", radius)
    kind = check_choice("kind", kind, MATRIX_KINDS)
    G = torch.randn(size, size, generator=seeded_generator(seed), dtype=torch.float64)
    if kind == "symmetric":
        A = (G + G.T) / 2  # (size, size)
    elif kind == "orthogonal":
        A, R = torch.linalg.qr(G)
        A = A * torch.sign(torch.diagonal(R))  # a uniformly random orthogonal matrix
    else:
        A = G
    rho_A = torch.linalg.eigvals(A).abs().max()
    # W = rho A / max |lambda_i(A)|
    return (radius * A / rho_A).to(torch.float32)
