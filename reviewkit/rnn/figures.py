"""Drawing code for the RNN chapter, kept apart from the models.

:func:`plot_curve` draws one setting of the gradient explorer with matplotlib
(the live explorer's picture); :func:`plot_profiles` draws several gradient
profiles on one log-scale axis, as the pages do.
"""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reviewkit.rnn.gradients import GradientProfile

__all__ = ["plot_curve", "plot_profiles"]


def plot_profiles(ax: Axes, profiles: Mapping[str, GradientProfile]) -> Axes:
    """Draw :math:`\\|\\partial L/\\partial h_t\\|` against :math:`t` per profile.

    Args:
        ax: The axes to draw on (set to a log y-scale).
        profiles: Legend label -> profile; each profile's norms have shape (T,).

    Returns:
        ``ax``, with one line per profile and a legend.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    for label, p in profiles.items():
        if not isinstance(p, GradientProfile):
            raise TypeError(
                f"profiles[{label!r}] must be a GradientProfile, got {type(p).__name__}"
            )
        ax.semilogy(range(1, len(p.grad_norms) + 1), p.grad_norms, label=label)
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.legend(ncols=2)
    return ax


def plot_curve(
    nonlinearity: str = "tanh",
    weight_scale: float = 1.0,
    seq_len: int = 50,
    last_step_only: bool = True,
) -> Figure:
    """Plot one setting of the explorer with matplotlib, from a fresh profile.

    Args:
        nonlinearity: ``"linear"``, ``"tanh"`` or ``"relu"``.
        weight_scale: Scale of the Gaussian recurrent matrix (at least 0).
        seq_len: Sequence length, :math:`T`.
        last_step_only: Loss on the last step only, instead of on every step.

    Returns:
        The figure: gradient and hidden-state norms against :math:`t`, log scale.
    """
    from reviewkit.rnn.explorer import explorer_curve  # explorer imports us

    # explorer_curve checks the four arguments, naming each in its error
    profile = explorer_curve(nonlinearity, weight_scale, seq_len, last_step_only)
    t = range(1, seq_len + 1)
    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    ax.semilogy(t, profile.grad_norms, label=r"$\|\partial L/\partial h_t\|$")
    ax.semilogy(t, profile.state_norms, "--", label=r"mean $\|h_t\|$")
    ax.set_xlabel("time step t")
    ax.set_ylabel("norm (log scale)")
    ax.set_title(f"{nonlinearity}, weight scale {weight_scale}, T = {seq_len}")
    ax.legend()
    return fig
