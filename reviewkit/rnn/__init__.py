"""The RNN chapter: vanilla RNNs and the sizes of their gradients through time.

One module per concept, mirroring the chapter's pages (docs/rnn/); the API
page lists them. Each module's public names (its ``__all__``) are also
importable from here, for example ``from reviewkit.rnn import RNNRegressor``.
"""

from reviewkit.rnn import (
    display,
    experiments,
    explorer,
    gradients,
    model,
    tasks,
    training,
    weights,
)
from reviewkit.rnn.display import *  # noqa: F403
from reviewkit.rnn.experiments import *  # noqa: F403
from reviewkit.rnn.explorer import *  # noqa: F403
from reviewkit.rnn.gradients import *  # noqa: F403
from reviewkit.rnn.model import *  # noqa: F403
from reviewkit.rnn.tasks import *  # noqa: F403
from reviewkit.rnn.training import *  # noqa: F403
from reviewkit.rnn.weights import *  # noqa: F403

_MODULES = (display, experiments, explorer, gradients, model, tasks, training, weights)
__all__ = sorted(name for module in _MODULES for name in module.__all__)
