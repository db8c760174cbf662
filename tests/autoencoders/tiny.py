"""A tiny autoencoder and its data, shared by the training and cache tests.

Imported by name (``from autoencoders.tiny import ...``; pytest puts
``tests/`` on the path), so the tests train and compare the same small model.
"""

import torch

from reviewkit.autoencoders.data import load_digits_split
from reviewkit.autoencoders.models import AutoencoderConfig
from reviewkit.autoencoders.training import TrainedAutoencoder

#: A model that trains in a few milliseconds: 3 epochs, a 4-number code.
TINY = AutoencoderConfig(hidden=16, code_size=4, epochs=3)


def tiny_data(n_train: int = 200, n_val: int = 50) -> tuple[torch.Tensor, torch.Tensor]:
    """The first digits of the seed-0 split: ``(x_train, x_val)``, each (N, 8, 8)."""
    d = load_digits_split(seed=0)
    return d.x_train[:n_train], d.x_val[:n_val]


def same_weights(a: TrainedAutoencoder, b: TrainedAutoencoder) -> bool:
    """True if the two trained models have the same parameter names and values."""
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
