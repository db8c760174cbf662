"""Tests for reviewkit.autoencoders and the claims of 1a, 1c, 1g, 1h and 1j."""

import ae_models as M
import pytest
import torch

from reviewkit.autoencoders import (
    AutoencoderConfig,
    ModelCache,
    default_cache_dir,
    reconstruction_error,
    train_autoencoder,
    untrained_autoencoder,
)
from reviewkit.corruptions import GaussianNoise, PixelMask, inpaint_from_neighbours
from reviewkit.data import upsample

TINY = AutoencoderConfig(hidden=16, code_size=4, epochs=3)


def _data():
    d = M.digits()
    return d.x_train[:200], d.x_val[:50]


def _same_weights(a, b):
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_training_is_deterministic_and_leaves_global_rng_alone():
    """Same config, data and seed give the same weights; the global RNG is untouched."""
    x_train, x_val = _data()
    state = torch.get_rng_state()
    a = train_autoencoder(TINY, x_train, x_val, seed=4)
    assert torch.equal(state, torch.get_rng_state())
    b = train_autoencoder(TINY, x_train, x_val, seed=4)
    c = train_autoencoder(TINY, x_train, x_val, seed=5)
    assert _same_weights(a, b) and a.val_loss == b.val_loss
    assert not _same_weights(a, c)


def test_losses_are_recorded_per_epoch():
    """Training records one train and one validation loss per epoch, and they fall."""
    x_train, x_val = _data()
    run = train_autoencoder(AutoencoderConfig(epochs=8), x_train, x_val, seed=0)
    assert len(run.train_loss) == len(run.val_loss) == 8
    assert run.val_loss[-1] < run.val_loss[0] and run.train_loss[-1] < run.train_loss[0]


def test_code_shapes_follow_the_config():
    """MLP codes are (N, code_size); conv codes are maps that grow with the image."""
    x = M.digits().x_test[:3]
    over = untrained_autoencoder(AutoencoderConfig(code_size=128), seed=0)
    assert over.encode(x).shape == (3, 128)
    assert over.reconstruct(x).shape == x.shape
    conv = untrained_autoencoder(
        AutoencoderConfig(arch="conv", hidden=4, code_size=8), 0
    )
    assert conv.encode(x).shape == (3, 8, 4, 4)
    assert conv.encode(upsample(x, 16)).shape == (3, 8, 8, 8)


def test_masked_error_scores_only_hidden_pixels():
    """reconstruction_error(on='masked') averages the error over hidden pixels only."""
    m = untrained_autoencoder(TINY, seed=0)
    x = M.digits().x_test[:10]
    corruption = PixelMask(0.5)
    x_in, mask = corruption(x, torch.Generator().manual_seed(3))
    expected = ((m.reconstruct(x_in) - x) ** 2)[mask].mean().item()
    got = reconstruction_error(m, x, corruption, on="masked", seed=3)
    assert got == pytest.approx(expected, rel=1e-6)


def test_cache_hit_returns_identical_weights_from_memory_and_disk(tmp_path):
    """A cache hit, from memory or from disk, returns the same weights untrained."""
    x_train, x_val = _data()
    cache = ModelCache(tmp_path)
    first = cache.get(TINY, x_train, x_val, seed=1)
    assert cache.get(TINY, x_train, x_val, seed=1) is first
    assert (cache.hits, cache.misses) == (1, 1)
    fresh = ModelCache(tmp_path)
    loaded = fresh.get(TINY, x_train, x_val, seed=1)
    assert (fresh.hits, fresh.misses) == (1, 0)
    assert _same_weights(first, loaded) and loaded.val_loss == first.val_loss
    assert _same_weights(loaded, train_autoencoder(TINY, x_train, x_val, seed=1))


def test_cache_misses_on_a_different_config_seed_or_data(tmp_path):
    """Changing the config, the seed or the training data trains a new model."""
    x_train, x_val = _data()
    cache = ModelCache(tmp_path)
    cache.get(TINY, x_train, x_val, seed=1)
    cache.get(AutoencoderConfig(hidden=16, code_size=5, epochs=3), x_train, x_val, 1)
    cache.get(TINY, x_train, x_val, seed=2)
    cache.get(TINY, x_train[:100], x_val, seed=1)
    assert (cache.hits, cache.misses) == (0, 4)
    assert len(list(tmp_path.glob("*.pt"))) == 4


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    """REVIEWKIT_CACHE_DIR sets the default cache folder."""
    monkeypatch.setenv("REVIEWKIT_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    assert ModelCache().directory == tmp_path


@pytest.mark.parametrize("seed", M.SEEDS)
def test_small_training_set_shows_a_large_train_validation_gap(seed):
    """1a: with 100 images validation loss ends far above training loss."""
    d = M.digits()
    fit = train_autoencoder(
        AutoencoderConfig(epochs=M.EPOCHS), d.x_train, d.x_val, seed
    )
    over = train_autoencoder(
        AutoencoderConfig(hidden=256, code_size=64, epochs=300),
        d.x_train[:100],
        d.x_val,
        seed,
    )
    assert fit.val_loss[-1] < 1.5 * fit.train_loss[-1]
    assert over.val_loss[-1] > 10 * over.train_loss[-1]
    # ...while the probe barely notices: both encoders probe within 0.03
    assert abs(M.probe(over) - M.probe(fit)) < 0.03


@pytest.mark.parametrize("seed", M.SEEDS)
def test_decoder_of_a_denoiser_removes_most_noise(seed):
    """1c: the denoising decoder's output is far closer to clean digits."""
    x = M.digits().x_test
    noise = GaussianNoise(0.3)
    x_noisy, _ = noise(x, torch.Generator().manual_seed(seed))
    before = ((x_noisy - x) ** 2).mean().item()
    after = reconstruction_error(M.model("denoising", seed), x, noise, seed=seed)
    assert after < before / 3


@pytest.mark.parametrize("seed", M.SEEDS)
def test_reconstruction_error_flags_photo_patches(seed):
    """1c: a digit autoencoder's reconstruction error flags photo patches (AUROC)."""
    from sklearn.metrics import roc_auc_score

    ae, x = M.model("code 32", seed), M.digits().x_test
    photos = M.photos()[1]
    err = [((ae.reconstruct(v) - v) ** 2).mean(dim=(1, 2)) for v in (x, photos)]
    labels = [0] * len(x) + [1] * len(photos)
    assert roc_auc_score(labels, torch.cat(err).numpy()) > 0.95


@pytest.mark.parametrize("seed", M.SEEDS)
def test_clean_target_denoises_better_than_augmentation(seed):
    """1h: clean targets denoise better; noisy targets copy clean input better."""
    x, noise = M.digits().x_test, GaussianNoise(0.3)
    den, aug = M.model("denoising", seed), M.model("augmented", seed)
    assert reconstruction_error(den, x, noise, seed=seed) < 0.8 * reconstruction_error(
        aug, x, noise, seed=seed
    )
    assert reconstruction_error(aug, x) < reconstruction_error(den, x)


@pytest.mark.parametrize("seed", M.SEEDS)
def test_overcomplete_code_reconstructs_better_than_bottleneck(seed):
    """1j: a 128-number code rebuilds clean digits better than a 32-number one."""
    x = M.digits().x_test
    assert reconstruction_error(M.model("code 128", seed), x) < reconstruction_error(
        M.model("code 32", seed), x
    )


@pytest.mark.parametrize("seed", M.SEEDS)
def test_patch_masking_needs_more_than_interpolation(seed):
    """1g: the AE barely beats interpolation on pixels, far beats it on patches."""
    x = M.big_digits().x_test
    ratio = {}
    for name, mask in M.MASKS_16.items():
        x_in, hidden = mask(x, torch.Generator().manual_seed(seed))
        interp = ((inpaint_from_neighbours(x_in, hidden) - x) ** 2)[hidden].mean()
        model = ((M.masked_16(name, seed).reconstruct(x_in) - x) ** 2)[hidden].mean()
        ratio[name] = (model / interp).item()
    assert ratio["patches"] < 0.5 < ratio["pixels"]


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: AutoencoderConfig(code_size=0), ValueError, "code_size"),
        (lambda: AutoencoderConfig(loss_on="some"), ValueError, "loss_on"),
        (lambda: AutoencoderConfig(target="noisy"), ValueError, "target"),
        (lambda: AutoencoderConfig(image_shape=(8,)), ValueError, "image_shape"),
        (lambda: AutoencoderConfig(corruption="noise"), TypeError, "corruption"),
        (lambda: AutoencoderConfig(lr=0), ValueError, "lr"),
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
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    """Wrong image shapes and out-of-range settings raise errors naming the argument."""
    with pytest.raises(error, match=name):
        call()


def test_unwritable_cache_folder_falls_back_to_memory(tmp_path):
    """A cache folder that cannot be created still trains and caches in memory."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    x_train, x_val = _data()
    cache = ModelCache(blocker / "cache")
    first = cache.get(TINY, x_train, x_val, seed=0)
    assert cache.get(TINY, x_train, x_val, seed=0) is first
    assert not cache.disk
