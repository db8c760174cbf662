"""The RNN chapter: vanilla RNNs and the sizes of their gradients through time.

One module per concept, mirroring the chapter's pages (docs/rnn/):

* :mod:`~reviewkit.rnn.model`: the vanilla RNN layer and its regressor.
* :mod:`~reviewkit.rnn.weights`: recurrent matrices with a chosen spectral
  radius or weight scale.
* :mod:`~reviewkit.rnn.tasks`: the running-average and lag-recall tasks and
  the loss on every step or the last step only.
* :mod:`~reviewkit.rnn.training`: Adam training on fresh batches, one model
  or several side by side.
* :mod:`~reviewkit.rnn.gradients`: :math:`\\partial L/\\partial h_t` at every
  step (autograd and closed form) and its analyses.
* :mod:`~reviewkit.rnn.experiments`: the configs and runs behind pages 2b, 2c.
* :mod:`~reviewkit.rnn.explorer`: the gradient explorer's grid, data and
  HTML; :mod:`~reviewkit.rnn.display` shows it (a static page, or live
  sliders in Jupyter).

Every public name below is also importable from its module, for example
``from reviewkit.rnn import RNNRegressor, gradient_profile``.
"""

from reviewkit.rnn.display import live_explorer, plot_curve, show_explorer
from reviewkit.rnn.experiments import (
    LagRecall,
    LagResult,
    ScaleSweep,
    SweepResult,
    lag_recall,
    scale_sweep,
)
from reviewkit.rnn.explorer import (
    MAX_SEQ_LEN,
    MAX_WEIGHT_SCALE,
    ExplorerGrid,
    curve_key,
    explorer_html,
    explorer_script,
    precompute,
)
from reviewkit.rnn.gradients import (
    GradientProfile,
    contribution_norms,
    explorer_curve,
    fit_log_rate,
    gradient_profile,
    linear_closed_form,
    mean_by_distance,
)
from reviewkit.rnn.model import NONLINEARITIES, RNNRegressor, VanillaRNN
from reviewkit.rnn.tasks import (
    lag_task,
    loss_weights,
    running_average_task,
    sequence_loss,
)
from reviewkit.rnn.training import TASKS, TrainConfig, train_regressor, train_regressors
from reviewkit.rnn.weights import (
    MATRIX_KINDS,
    gaussian_matrix,
    matrix_with_spectral_radius,
)

__all__ = [
    "MATRIX_KINDS",
    "MAX_SEQ_LEN",
    "MAX_WEIGHT_SCALE",
    "NONLINEARITIES",
    "TASKS",
    "ExplorerGrid",
    "GradientProfile",
    "LagRecall",
    "LagResult",
    "RNNRegressor",
    "ScaleSweep",
    "SweepResult",
    "TrainConfig",
    "VanillaRNN",
    "contribution_norms",
    "curve_key",
    "explorer_curve",
    "explorer_html",
    "explorer_script",
    "fit_log_rate",
    "gaussian_matrix",
    "gradient_profile",
    "lag_recall",
    "lag_task",
    "linear_closed_form",
    "live_explorer",
    "loss_weights",
    "matrix_with_spectral_radius",
    "mean_by_distance",
    "plot_curve",
    "precompute",
    "running_average_task",
    "scale_sweep",
    "sequence_loss",
    "show_explorer",
    "train_regressor",
    "train_regressors",
]
