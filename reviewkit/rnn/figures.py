"""Drawing code for the RNN chapter: pictures of profiles computed elsewhere.

:func:`plot_curve` draws one profile's gradient and hidden-state norms (the
live explorer's picture); :func:`plot_profiles` draws several profiles'
gradient norms on one log-scale axis. Neither computes anything: the profiles
come from :mod:`reviewkit.rnn.gradients`. A norm that overflowed (``inf``) is
drawn as a triangle on the top edge, one that is exactly 0 on the bottom
edge, so no step silently disappears from a log-scale plot.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reviewkit.checks import check_instance
from reviewkit.rnn.gradients import GradientProfile

__all__ = ["plot_curve", "plot_profiles"]


def _semilogy(ax: Axes, norms: torch.Tensor, *args, label: str) -> None:
    """Draw ``norms`` against t = 1..T; mark overflowed and zero steps on the edges."""
    t = torch.arange(1, len(norms) + 1)
    drawable = norms.isfinite() & (norms > 0)
    (line,) = ax.semilogy(t[drawable], norms[drawable], *args, label=label)
    edge = ax.get_xaxis_transform()  # x in data units, y from 0 (bottom) to 1 (top)
    for mask, y, marker, what in (
        (norms.isinf(), 1.0, "^", "overflowed"),
        (norms == 0, 0.0, "v", "zero"),
    ):
        if bool(mask.any()):
            ax.plot(
                t[mask],
                [y] * int(mask.sum()),
                marker,
                color=line.get_color(),
                transform=edge,
                clip_on=False,
                label=f"{label}: {what}",
            )


def plot_profiles(ax: Axes, profiles: Mapping[str, GradientProfile]) -> Axes:
    """Draw :math:`\\|\\partial L/\\partial h_t\\|` against :math:`t` per profile.

    Args:
        ax: The axes to draw on (set to a log y-scale).
        profiles: Legend label -> profile; each profile's norms have shape (T,).

    Returns:
        ``ax``, with one line per profile and a legend.
    """
    check_instance("ax", ax, Axes)
    for label, p in profiles.items():
        check_instance(f"profiles[{label!r}]", p, GradientProfile)
        _semilogy(ax, p.grad_norms, label=label)
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.legend(ncols=2)
    return ax


def plot_curve(profile: GradientProfile, title: str = "") -> Figure:
    """Plot one profile's gradient and hidden-state norms against :math:`t`.

    Args:
        profile: For example one setting of the explorer,
            :func:`~reviewkit.rnn.gradients.explorer_curve`.
        title: The axes' title.

    Returns:
        The figure: gradient (solid) and mean hidden-state (dashed) norms
        against :math:`t`, log scale.
    """
    check_instance("profile", profile, GradientProfile)
    check_instance("title", title, str)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    _semilogy(ax, profile.grad_norms, label=r"$\|\partial L/\partial h_t\|$")
    _semilogy(ax, profile.state_norms, "--", label=r"mean $\|h_t\|$")
    ax.set_yscale("log")  # also when no step is drawable
    ax.set_xlabel("time step t")
    ax.set_ylabel("norm (log scale)")
    ax.set_title(title)
    ax.legend()
    return fig
