"""Tests for reviewkit.autoencoders.adam."""

import pytest
import torch
from torch import nn

from reviewkit.autoencoders.adam import Adam
from reviewkit.autoencoders.models import AutoencoderConfig, build_model


def _run(model, make_opt, steps, seed):
    """Train ``model`` for ``steps`` steps on random batches; return its weights."""
    opt = make_opt(model.parameters())
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.rand(16, 8, 8, generator=gen)
        loss = ((model(x) - x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("arch", ["mlp", "conv"])
@pytest.mark.parametrize("lr", [3e-3, 0.1])
def test_adam_matches_torch_adam_bit_for_bit(arch, lr):
    """Our Adam gives exactly the weights torch.optim.Adam gives, step after step."""
    config = AutoencoderConfig(arch=arch, hidden=16, code_size=4)
    ours = _run(build_model(config, 0), lambda p: Adam(p, lr=lr), 200, seed=1)
    ref = _run(
        build_model(config, 0), lambda p: torch.optim.Adam(p, lr=lr), 200, seed=1
    )
    assert all(torch.equal(a, b) for a, b in zip(ours, ref, strict=True))


def test_adam_skips_parameters_without_a_gradient():
    """A parameter with no gradient is left as it is and keeps its own step count."""
    used, unused = nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(3))
    opt = Adam([used, unused], lr=0.1)
    (used**2).sum().backward()
    opt.step()
    assert torch.equal(unused, torch.ones(3))
    assert not torch.equal(used, torch.ones(3))
    assert opt.steps == [1, 0]
    opt.zero_grad()
    assert used.grad is None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": 1e-3, "betas": (1.0, 0.9)}, "betas"),
        ({"lr": 1e-3, "eps": -1.0}, "eps"),
    ],
)
def test_adam_refuses_bad_settings(kwargs, name):
    """Out-of-range settings raise a ValueError naming the setting."""
    with pytest.raises(ValueError, match=name):
        Adam([nn.Parameter(torch.ones(2))], **kwargs)
