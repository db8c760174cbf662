"""Tests for reviewkit.autoencoders.training."""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from autoencoders.tiny import TINY, same_weights, tiny_data

from reviewkit.autoencoders.corruptions import GaussianNoise, NoCorruption, PixelMask
from reviewkit.autoencoders.data import load_digits_split
from reviewkit.autoencoders.models import AutoencoderConfig, build_model
from reviewkit.autoencoders.training import (
    ImageRangeWarning,
    reconstruction_error,
    train_autoencoder,
    untrained_autoencoder,
)


def test_training_is_deterministic_and_leaves_global_rng_alone():
    """Same config, data and seed give the same weights; the global RNG is untouched."""
    x_train, x_val = tiny_data()
    state = torch.get_rng_state()
    a = train_autoencoder(TINY, x_train, x_val, seed=4)
    assert torch.equal(state, torch.get_rng_state())
    b = train_autoencoder(TINY, x_train, x_val, seed=4)
    c = train_autoencoder(TINY, x_train, x_val, seed=5)
    assert same_weights(a, b) and a.val_loss == b.val_loss
    assert not same_weights(a, c)


def test_training_in_threads_is_bit_identical_to_training_in_sequence():
    """Four seeds trained in four threads at once give the weights of one by one."""
    # Weights come from per-call generators, never the global RNG, so threads cannot
    # interleave their draws; the global RNG is left untouched too.
    x_train, x_val = tiny_data()
    config = AutoencoderConfig(hidden=16, code_size=4, epochs=2)
    seeds = [0, 1, 2, 3]
    state = torch.get_rng_state()
    in_sequence = [train_autoencoder(config, x_train, x_val, s) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        in_threads = list(
            pool.map(lambda s: train_autoencoder(config, x_train, x_val, s), seeds)
        )
    assert torch.equal(state, torch.get_rng_state())
    for a, b in zip(in_sequence, in_threads, strict=True):
        assert same_weights(a, b) and a.val_loss == b.val_loss
    assert not same_weights(in_sequence[0], in_sequence[1])


def test_float64_images_are_cast_to_the_model_dtype():
    """float64 images train and encode like their float32 copies (cast, same result)."""
    x_train, x_val = tiny_data()
    a = train_autoencoder(TINY, x_train, x_val, seed=2)
    b = train_autoencoder(TINY, x_train.double(), x_val.double(), seed=2)
    assert same_weights(a, b)
    codes = b.encode(x_val.double())
    assert codes.dtype == torch.float32
    assert torch.equal(codes, a.encode(x_val))
    assert reconstruction_error(a, x_val.double()) == reconstruction_error(a, x_val)


class _HideNothing:
    """A user's corruption whose mask is always empty."""

    def __call__(self, x, generator):
        return x.clone(), torch.zeros_like(x, dtype=torch.bool)


def test_masked_loss_with_a_corruption_that_hides_nothing_is_refused():
    """loss_on='masked' with an empty mask raises instead of training on a loss of 0."""
    x_train, x_val = tiny_data()
    config = AutoencoderConfig(corruption=_HideNothing(), loss_on="masked", epochs=1)
    with pytest.raises(ValueError, match="loss_on='masked'.*exactly 0"):
        train_autoencoder(config, x_train, x_val, 0)
    with pytest.raises(ValueError, match="on='masked'"):
        reconstruction_error(untrained_autoencoder(TINY, 0), x_val, on="masked")


def test_losses_are_recorded_per_epoch():
    """Training records one train and one validation loss per epoch, and they fall."""
    x_train, x_val = tiny_data()
    run = train_autoencoder(AutoencoderConfig(epochs=8), x_train, x_val, seed=0)
    assert len(run.train_loss) == len(run.val_loss) == 8
    assert run.val_loss[-1] < run.val_loss[0] and run.train_loss[-1] < run.train_loss[0]


def test_masked_error_scores_only_hidden_pixels():
    """reconstruction_error(on='masked') averages the error over hidden pixels only."""
    m = untrained_autoencoder(TINY, seed=0)
    x = load_digits_split(seed=0).x_test[:10]
    corruption = PixelMask(0.5)
    x_in, mask = corruption(x, torch.Generator().manual_seed(3))
    expected = ((m.reconstruct(x_in) - x) ** 2)[mask].mean().item()
    got = reconstruction_error(m, x, corruption, on="masked", seed=3)
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (
            lambda: train_autoencoder(
                TINY, torch.zeros(5, 16, 16), torch.zeros(2, 8, 8), 0
            ),
            ValueError,
            "x_train",
        ),
        (
            lambda: train_autoencoder(TINY, torch.zeros(5, 8, 8), torch.zeros(8, 8), 0),
            ValueError,
            "x_val",
        ),
        (
            lambda: train_autoencoder(
                TINY, torch.zeros(5, 8, 8), torch.zeros(2, 8, 8), -1
            ),
            ValueError,
            "seed",
        ),
        (
            lambda: train_autoencoder(
                {}, torch.zeros(5, 8, 8), torch.zeros(2, 8, 8), 0
            ),
            TypeError,
            "config",
        ),
        (
            lambda: train_autoencoder(
                TINY, torch.full((5, 8, 8), float("nan")), torch.zeros(2, 8, 8), 0
            ),
            ValueError,
            "x_train must be finite",
        ),
        (
            lambda: untrained_autoencoder(TINY, 0).encode(torch.zeros(2, 16, 16)),
            ValueError,
            r"x must hold images of shape \(8, 8\)",
        ),
        (
            lambda: untrained_autoencoder(
                AutoencoderConfig(arch="conv", hidden=2, code_size=2), 0
            ).reconstruct(torch.zeros(2, 7, 8)),
            ValueError,
            "even height and width",
        ),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Wrong image shapes and out-of-range settings raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()


def test_a_corruption_that_goes_bad_on_a_training_batch_is_named():
    """Each batch's corruption output is checked: NaN in a training batch raises."""
    # The corruption (a subclass of a package corruption, which once skipped the per-
    # batch check) behaves on the validation images only.
    calls = []

    class NaNOnSecondCall(GaussianNoise):
        def __call__(self, x, generator):
            calls.append(len(x))
            x_in, mask = super().__call__(x, generator)
            return (x_in if len(calls) == 1 else x_in * float("nan")), mask

    x_train, x_val = tiny_data()
    config = AutoencoderConfig(hidden=16, code_size=4, corruption=NaNOnSecondCall())
    with pytest.raises(ValueError, match="corruption=.*returned NaN or infinite"):
        train_autoencoder(config, x_train, x_val, seed=0)
    assert len(calls) == 2


@pytest.mark.parametrize("scale", [255.0, -1.0])
def test_images_outside_the_unit_range_warn_naming_the_argument(scale):
    """Images on a 0-255 scale (or negative) train, with an ImageRangeWarning."""
    x_train, x_val = tiny_data()
    with pytest.warns(
        ImageRangeWarning, match=r"x_train ranges over .* outside \[0, 1\]"
    ):
        train_autoencoder(TINY, x_train * scale, x_val, seed=0)


def test_reconstruction_error_warns_of_images_outside_the_unit_range():
    """Scoring 0-255 images warns at the caller's line (it was silent: error ~2e4)."""
    _, x_val = tiny_data()
    trained = untrained_autoencoder(TINY, 0)
    with pytest.warns(ImageRangeWarning, match=r"^x ranges over .* outside \[0, 1\]"):
        reconstruction_error(trained, x_val * 255)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        reconstruction_error(trained, x_val * 255)
    assert [Path(w.filename).name for w in record] == ["test_training.py"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reconstruction_error(trained, x_val)  # digits in [0, 1]: silent


def test_images_in_the_unit_range_train_silently():
    """Digits in [0, 1] give no warning at all."""
    x_train, x_val = tiny_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train_autoencoder(TINY, x_train, x_val, seed=0)


class _Gate(NoCorruption):
    """No corruption, but its first call runs ``on_first`` (inside training)."""

    def __init__(self, on_first):
        self.on_first, self.calls = on_first, 0

    def __call__(self, x, generator):
        self.calls += 1
        if self.calls == 1:
            self.on_first()
        return super().__call__(x, generator)


def _blas_threads():
    """Threads of each BLAS library loaded (OpenBLAS's pool is process-wide)."""
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_a_training_that_ends_in_one_thread_leaves_another_on_one_thread():
    """A starts, B starts, A ends: B still trains on one thread; A has its own back."""
    # B's corruption reads the process-wide BLAS setting after A has returned, from
    # inside B's training. The old, uncounted thread limit gave B two BLAS threads there
    # (A restored its saved setting on the way out). Run alone, B also got two BLAS
    # threads from the counted limit when another thread (the suite's session fixture)
    # held threadpoolctl's OpenBLAS control: A's limit was silently ignored.
    x_train, x_val = tiny_data()  # loads scikit-learn's BLAS too
    torch.set_num_threads(2)
    before = (torch.get_num_threads(), _blas_threads())
    a_in, b_in, a_done, seen = (*(threading.Event() for _ in range(3)), [])

    def wait_for_b():
        a_in.set()
        b_in.wait(10)

    def watch():
        b_in.set()
        a_done.wait(10)
        seen.append((torch.get_num_threads(), _blas_threads()))

    def run(corruption):
        config = AutoencoderConfig(
            hidden=8, code_size=2, epochs=1, corruption=corruption
        )
        return train_autoencoder(config, x_train, x_val, 0)

    def train_a():
        run(_Gate(wait_for_b))
        a_after.append(torch.get_num_threads())  # B's training is still open
        a_done.set()

    a_after = []
    a = threading.Thread(target=train_a)
    b = threading.Thread(target=lambda: (a_in.wait(10), run(_Gate(watch))))
    for t in (a, b):
        t.start()
    for t in (a, b):
        t.join(30)
    assert seen == [(1, [1] * len(before[1]))]
    assert a_after == [before[0]]  # A's own view restored (the old code left it at 1)
    assert (torch.get_num_threads(), _blas_threads()) == before


def _run_adam(model, make_opt, steps, seed):
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
def test_foreach_adam_matches_the_default_adam_bit_for_bit(arch):
    """Training's foreach Adam matches per-tensor Adam bit for bit over 50 steps."""
    config = AutoencoderConfig(arch=arch, hidden=16, code_size=4)
    fast = _run_adam(
        build_model(config, 0),
        lambda p: torch.optim.Adam(p, lr=3e-3, foreach=True),
        50,
        seed=1,
    )
    ref = _run_adam(
        build_model(config, 0),
        lambda p: torch.optim.Adam(p, lr=3e-3, foreach=False),
        50,
        seed=1,
    )
    assert all(torch.equal(a, b) for a, b in zip(fast, ref, strict=True))


def test_training_works_inside_no_grad():
    """train_autoencoder inside torch.no_grad() gives the model it gives outside (it
    raised torch's 'element 0 of tensors does not require grad')."""
    x_train, x_val = tiny_data()
    want = train_autoencoder(TINY, x_train, x_val, seed=0)
    with torch.no_grad():
        got = train_autoencoder(TINY, x_train, x_val, seed=0)
    assert same_weights(got, want) and got.val_loss == want.val_loss
