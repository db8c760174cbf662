"""Bad input to the autoencoder library: a clear error naming the argument.

The table feeds one bad value at a time to every public entry point of the
library modules (data, corruptions, models, training, inpainting, cache,
probes) and checks the exception type and the message: a pattern naming the
argument the caller passed (and, for the newer cases, what to do). The
hypothesis tests then feed random shapes, dtypes and values to the main entry
points and accept only two outcomes: a ``TypeError``/``ValueError`` naming an
argument, or a correct result (right shape and dtype, finite, consistent with
the input), never NaN or a silent wrong answer.
"""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from reviewkit.autoencoders.cache import ModelCache
from reviewkit.autoencoders.corruptions import (
    Compose,
    GaussianNoise,
    NoCorruption,
    PatchMask,
    PixelMask,
)
from reviewkit.autoencoders.data import (
    DigitSplit,
    load_digits_split,
    photo_patches,
    upsample,
)
from reviewkit.autoencoders.inpainting import inpaint_from_neighbours
from reviewkit.autoencoders.models import AutoencoderConfig, build_model, init_weights
from reviewkit.autoencoders.probes import (
    ProbeConfig,
    label_efficiency,
    mean_std,
    probe_accuracy,
    rank_pairs,
    sample_per_class,
)
from reviewkit.autoencoders.training import (
    reconstruction_error,
    train_autoencoder,
    untrained_autoencoder,
)
from reviewkit.autoencoders.transfer import TransferConfig

NAN, INF = float("nan"), float("inf")
TINY = AutoencoderConfig(hidden=8, code_size=3, epochs=1)
CONV = AutoencoderConfig(arch="conv", hidden=2, code_size=2, epochs=1)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _x(n=6, h=8, w=8, fill=None):
    x = torch.rand(n, h, w, generator=_gen())
    if fill is not None:
        x[0, 0, 0] = fill
    return x


def _model():
    return untrained_autoencoder(TINY, 0)


def _features(n=20, d=4, fill=None):
    f = np.random.default_rng(0).normal(size=(n, d))
    if fill is not None:
        f[1, 1] = fill
    return f


_LABELS = np.arange(20) % 2


class _WrongShape:
    """A user's corruption that returns images of the wrong shape."""

    def __call__(self, x, generator):
        return x[:, :4], torch.ones_like(x, dtype=torch.bool)


class _Nan:
    """A user's corruption that writes NaN."""

    def __call__(self, x, generator):
        return x * NAN, torch.ones_like(x, dtype=torch.bool)


class _HidesNothing:
    """A user's corruption whose mask is empty."""

    def __call__(self, x, generator):
        return x.clone(), torch.zeros_like(x, dtype=torch.bool)


class _FloatMask:
    """A user's corruption whose mask is 0/1 floats, not booleans."""

    def __call__(self, x, generator):
        return x.clone(), torch.ones_like(x)


class _OneMask:
    """A user's corruption with one (1, H, W) mask for the whole batch."""

    def __call__(self, x, generator):
        return x.clone(), torch.ones(1, *x.shape[1:], dtype=torch.bool)


class _ShortMask:
    """A user's corruption whose mask has one image too few."""

    def __call__(self, x, generator):
        return x.clone(), torch.ones_like(x[1:], dtype=torch.bool)


def _composed(part):
    return Compose((GaussianNoise(0.1), part))(_x(), _gen())


def _featurize(seed):
    return _features(), _features()


CASES = [
    # --- data ---
    ("split seed negative", lambda: load_digits_split(-1), ValueError, "seed"),
    ("split seed string", lambda: load_digits_split("0"), TypeError, "seed"),
    ("split seed float", lambda: load_digits_split(1.0), TypeError, "seed"),
    ("split seed too big", lambda: load_digits_split(2**40), ValueError, "seed"),
    ("split val 0", lambda: load_digits_split(val_fraction=0), ValueError,
     "val_fraction"),
    ("split val > 1", lambda: load_digits_split(val_fraction=1.2), ValueError,
     "val_fraction"),
    ("split test nan", lambda: load_digits_split(test_fraction=NAN), ValueError,
     "test_fraction"),
    ("split test too small", lambda: load_digits_split(test_fraction=0.001),
     ValueError, "test_fraction"),
    ("split val too small", lambda: load_digits_split(val_fraction=0.003),
     ValueError, "val_fraction"),
    ("split sum 1", lambda: load_digits_split(val_fraction=0.5, test_fraction=0.5),
     ValueError, "val_fraction"),
    ("split no room to train",
     lambda: load_digits_split(val_fraction=0.5, test_fraction=0.495), ValueError,
     "training images"),
    ("upsample smaller", lambda: upsample(_x(), 4), ValueError, "size"),
    ("upsample float size", lambda: upsample(_x(), 16.0), TypeError, "size"),
    ("upsample numpy", lambda: upsample(np.zeros((2, 8, 8)), 16), TypeError,
     "images"),
    ("upsample 2-D", lambda: upsample(torch.zeros(8, 8), 16), ValueError, "images"),
    ("upsample ints", lambda: upsample(torch.zeros(2, 8, 8, dtype=torch.long), 16),
     TypeError, "images"),
    ("upsample nan", lambda: upsample(_x(fill=NAN), 16), ValueError, "images"),
    ("upsample empty", lambda: upsample(torch.zeros(0, 8, 8), 16), ValueError,
     "images"),
    ("patches n 0", lambda: photo_patches(0), ValueError, "n"),
    ("patches size 1", lambda: photo_patches(5, size=1), ValueError, "size"),
    ("patches size too big", lambda: photo_patches(5, size=500), ValueError,
     "size"),
    ("patches downscale 0", lambda: photo_patches(5, downscale=0), ValueError,
     "downscale"),
    ("patches seed", lambda: photo_patches(5, seed=-3), ValueError, "seed"),
    ("map_images not callable",
     lambda: DigitSplit(*(torch.zeros(1),) * 6).map_images(3), TypeError, "fn"),
    # --- corruptions ---
    ("noise std negative", lambda: GaussianNoise(std=-1.0), ValueError, "std"),
    ("noise std string", lambda: GaussianNoise(std="big"), TypeError, "std"),
    ("noise std inf", lambda: GaussianNoise(std=INF), ValueError, "std"),
    ("pixel ratio 1", lambda: PixelMask(ratio=1.0), ValueError, "ratio"),
    ("pixel ratio bool", lambda: PixelMask(ratio=True), TypeError, "ratio"),
    ("pixel fill nan", lambda: PixelMask(fill=NAN), ValueError, "fill"),
    ("patch size 0", lambda: PatchMask(patch_size=0), ValueError, "patch_size"),
    ("patch size float", lambda: PatchMask(patch_size=2.0), TypeError,
     "patch_size"),
    ("one patch, half hidden rounds to none",
     lambda: PatchMask(0.5, patch_size=8)(_x(), _gen()), ValueError, "ratio"),
    ("one patch, 3/4 hidden rounds to all",
     lambda: PatchMask(0.75, patch_size=8)(_x(), _gen()), ValueError, "ratio"),
    ("patch does not divide", lambda: PatchMask(patch_size=3)(_x(), _gen()),
     ValueError, "patch_size"),
    ("pixel ratio rounds to none", lambda: PixelMask(0.001)(_x(), _gen()),
     ValueError, "ratio"),
    ("corrupt 2-D", lambda: PixelMask()(torch.zeros(8, 8), _gen()), ValueError,
     "x"),
    ("corrupt bad generator", lambda: PixelMask()(_x(), 0), TypeError,
     "generator"),
    ("corrupt ints", lambda: GaussianNoise()(torch.ones(2, 8, 8, dtype=torch.int32),
                                             _gen()), TypeError, "x"),
    ("corrupt nan", lambda: GaussianNoise()(_x(fill=NAN), _gen()), ValueError, "x"),
    ("corrupt empty", lambda: NoCorruption()(torch.zeros(0, 8, 8), _gen()),
     ValueError, "x"),
    ("compose empty", lambda: Compose(()), TypeError, "parts"),
    ("compose list", lambda: Compose([GaussianNoise()]), TypeError, "parts"),
    ("compose string part", lambda: Compose((GaussianNoise(), "noise")), TypeError,
     "parts"),
    # --- models ---
    ("config shape 1-D", lambda: AutoencoderConfig(image_shape=(8,)), ValueError,
     "image_shape"),
    ("config shape zero", lambda: AutoencoderConfig(image_shape=(8, 0)),
     ValueError, "image_shape"),
    ("config shape list", lambda: AutoencoderConfig(image_shape=[8, 8]),
     ValueError, "image_shape"),
    ("config shape float", lambda: AutoencoderConfig(image_shape=(8, 8.0)),
     TypeError, r"^image_shape\[1\] must be an int, got float 8\.0$"),
    ("config arch", lambda: AutoencoderConfig(arch="rnn"), ValueError, "arch"),
    ("config hidden 0", lambda: AutoencoderConfig(hidden=0), ValueError, "hidden"),
    ("config hidden float", lambda: AutoencoderConfig(hidden=16.0), TypeError,
     "hidden"),
    ("config code negative", lambda: AutoencoderConfig(code_size=-2), ValueError,
     "code_size"),
    ("config corruption string", lambda: AutoencoderConfig(corruption="noise"),
     TypeError, "corruption"),
    ("config corruption class", lambda: AutoencoderConfig(corruption=GaussianNoise),
     TypeError, "corruption"),
    ("compose class part", lambda: Compose((PixelMask,)), TypeError, "parts"),
    ("masked loss, no corruption", lambda: AutoencoderConfig(loss_on="masked"),
     ValueError, "loss_on"),
    ("masked loss, ratio 0",
     lambda: AutoencoderConfig(loss_on="masked", corruption=PixelMask(0.0)),
     ValueError, "loss_on"),
    ("config target", lambda: AutoencoderConfig(target="noisy"), ValueError,
     "target"),
    ("config epochs 0", lambda: AutoencoderConfig(epochs=0), ValueError, "epochs"),
    ("config batch 0", lambda: AutoencoderConfig(batch_size=0), ValueError,
     "batch_size"),
    ("config lr negative", lambda: AutoencoderConfig(lr=-1.0), ValueError, "lr"),
    ("config lr nan", lambda: AutoencoderConfig(lr=NAN), ValueError, "lr"),
    ("conv odd shape", lambda: AutoencoderConfig(arch="conv", image_shape=(7, 8)),
     ValueError, "image_shape"),
    ("build seed string", lambda: build_model(TINY, "0"), TypeError, "seed"),
    ("build seed negative", lambda: build_model(TINY, -5), ValueError, "seed"),
    ("build config dict", lambda: build_model({}, 0), TypeError, "config"),
    ("init generator int", lambda: init_weights(build_model(TINY, 0), 0), TypeError,
     "generator"),
    # --- training ---
    ("train wrong size", lambda: train_autoencoder(TINY, _x(h=16, w=16), _x(), 0),
     ValueError, "x_train"),
    ("train nan", lambda: train_autoencoder(TINY, _x(fill=NAN), _x(), 0),
     ValueError, "x_train"),
    ("train val inf", lambda: train_autoencoder(TINY, _x(), _x(fill=INF), 0),
     ValueError, "x_val"),
    ("train ints", lambda: train_autoencoder(
        TINY, torch.ones(4, 8, 8, dtype=torch.long), _x(), 0), TypeError,
     "x_train"),
    ("train numpy", lambda: train_autoencoder(TINY, np.zeros((4, 8, 8)), _x(), 0),
     TypeError, "x_train"),
    ("train seed string", lambda: train_autoencoder(TINY, _x(), _x(), "0"),
     TypeError, "seed"),
    ("train seed negative", lambda: train_autoencoder(TINY, _x(), _x(), -1),
     ValueError, "seed"),
    ("train config dict", lambda: train_autoencoder({}, _x(), _x(), 0), TypeError,
     "config"),
    ("train conv odd", lambda: train_autoencoder(CONV, _x(h=7, w=7), _x(), 0),
     ValueError, "x_train"),
    ("train masked, empty mask", lambda: train_autoencoder(
        AutoencoderConfig(corruption=_HidesNothing(), loss_on="masked", epochs=1),
        _x(), _x(), 0), ValueError, "loss_on"),
    ("train corruption wrong shape", lambda: train_autoencoder(
        AutoencoderConfig(corruption=_WrongShape(), epochs=1), _x(), _x(), 0),
     ValueError, "corruption"),
    ("train corruption nan", lambda: train_autoencoder(
        AutoencoderConfig(corruption=_Nan(), epochs=1), _x(), _x(), 0),
     ValueError, "corruption"),
    ("train diverges", lambda: train_autoencoder(
        TINY, torch.full((4, 8, 8), 1e20), torch.full((2, 8, 8), 1e20), 0),
     ValueError, "x_train"),
    ("untrained seed", lambda: untrained_autoencoder(TINY, -1), ValueError, "seed"),
    ("untrained config", lambda: untrained_autoencoder("mlp", 0), TypeError,
     "config"),
    ("encode wrong size", lambda: _model().encode(_x(h=16, w=16)), ValueError, "x"),
    ("encode nan", lambda: _model().encode(_x(fill=NAN)), ValueError, "x"),
    ("reconstruct 2-D", lambda: _model().reconstruct(torch.zeros(8, 8)),
     ValueError, "x"),
    ("conv reconstruct odd", lambda: untrained_autoencoder(CONV, 0).reconstruct(
        _x(h=7, w=8)), ValueError, "x"),
    ("error model string", lambda: reconstruction_error("model", _x()), TypeError,
     "trained"),
    ("error on", lambda: reconstruction_error(_model(), _x(), on="some"),
     ValueError, "on"),
    ("error seed", lambda: reconstruction_error(_model(), _x(), seed=-1),
     ValueError, "seed"),
    ("error corruption string",
     lambda: reconstruction_error(_model(), _x(), corruption="noise"), TypeError,
     "corruption"),
    ("error masked, nothing hidden",
     lambda: reconstruction_error(_model(), _x(), on="masked"), ValueError, "on"),
    # --- inpainting ---
    ("inpaint float mask", lambda: inpaint_from_neighbours(_x(), torch.zeros(6, 8, 8)),
     TypeError, "mask"),
    ("inpaint mask shape", lambda: inpaint_from_neighbours(
        _x(), torch.zeros(6, 4, 4, dtype=torch.bool)), ValueError, "mask"),
    ("inpaint all hidden", lambda: inpaint_from_neighbours(
        _x(), torch.ones(6, 8, 8, dtype=torch.bool)), ValueError, "mask"),
    ("inpaint nan", lambda: inpaint_from_neighbours(
        _x(fill=NAN), torch.zeros(6, 8, 8, dtype=torch.bool)), ValueError, "x"),
    ("inpaint mask list", lambda: inpaint_from_neighbours(_x(), [True]), TypeError,
     "mask"),
    # --- cache ---
    ("cache directory int", lambda: ModelCache(3), TypeError, "directory"),
    ("cache disk string", lambda: ModelCache(disk="yes"), TypeError, "disk"),
    ("cache max_bytes", lambda: ModelCache(max_bytes=-1), ValueError, "max_bytes"),
    ("cache seed string", lambda: ModelCache(disk=False).get(TINY, _x(), _x(), "0"),
     TypeError, "seed"),
    ("cache config", lambda: ModelCache(disk=False).get("cfg", _x(), _x(), 0),
     TypeError, "config"),
    ("cache nan", lambda: ModelCache(disk=False).get(TINY, _x(fill=NAN), _x(), 0),
     ValueError, "x_train"),
    ("cache prune", lambda: ModelCache(disk=False).prune(-1), ValueError,
     "max_bytes"),
    # --- probes ---
    ("probe C 0", lambda: ProbeConfig(C=0), ValueError, "C"),
    ("probe max_iter 0", lambda: ProbeConfig(max_iter=0), ValueError, "max_iter"),
    ("probe nan features", lambda: probe_accuracy(
        _features(fill=NAN), _LABELS, _features(), _LABELS), ValueError,
     "train_features"),
    ("probe inf test features", lambda: probe_accuracy(
        _features(), _LABELS, _features(fill=INF), _LABELS), ValueError,
     "test_features"),
    ("probe ragged features", lambda: probe_accuracy(
        [[0.0], [1.0, 2.0]], [0, 1], _features(), _LABELS), ValueError,
     "train_features"),
    ("probe 1-D features", lambda: probe_accuracy(
        np.zeros(20), _LABELS, _features(), _LABELS), ValueError, "train_features"),
    ("probe string features", lambda: probe_accuracy(
        np.full((20, 2), "a"), _LABELS, _features(), _LABELS), ValueError,
     "train_features"),
    ("probe continuous labels", lambda: probe_accuracy(
        _features(), _LABELS * 0.5, _features(), _LABELS), ValueError,
     "train_labels.*continuous"),
    ("probe 2-D labels", lambda: probe_accuracy(
        _features(), np.zeros((20, 2)), _features(), _LABELS), ValueError,
     "train_labels"),
    ("probe label count", lambda: probe_accuracy(
        _features(), _LABELS[:5], _features(), _LABELS), ValueError, "train_labels"),
    ("probe test width", lambda: probe_accuracy(
        _features(), _LABELS, _features(d=5), _LABELS), ValueError, "test_features"),
    ("probe one class", lambda: probe_accuracy(
        _features(), np.zeros(20, dtype=int), _features(), _LABELS), ValueError,
     "train_labels"),
    ("probe config", lambda: probe_accuracy(
        _features(), _LABELS, _features(), _LABELS, "fast"), TypeError, "config"),
    ("sample per_class 0", lambda: sample_per_class(_LABELS, 0, 0), ValueError,
     "per_class"),
    ("sample per_class too many", lambda: sample_per_class(_LABELS, 1000, 0),
     ValueError, "per_class"),
    ("sample seed", lambda: sample_per_class(_LABELS, 1, -1), ValueError, "seed"),
    ("curve featurize", lambda: label_efficiency(3, _LABELS, _LABELS, (1,), (0, 1)),
     TypeError, "featurize"),
    ("curve counts int", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, 3, (0, 1)), TypeError, "labels_per_class"),
    ("curve counts 0", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, (0,), (0, 1)), ValueError, "labels_per_class"),
    ("curve counts empty", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, (), (0, 1)), ValueError, "labels_per_class"),
    ("curve one seed", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, (1,), (0,)), ValueError, "seeds"),
    ("curve negative seed", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, (1,), (0, -1)), ValueError, "seeds"),
    ("curve featurize output", lambda: label_efficiency(
        lambda s: _features(), _LABELS, _LABELS, (1,), (0, 1)), TypeError,
     "featurize"),
    ("curve featurize rows", lambda: label_efficiency(
        lambda s: (_features(n=5), _features()), _LABELS, _LABELS, (1,), (0, 1)),
     ValueError, "featurize"),
    ("ranks nan", lambda: rank_pairs([1.0, NAN], [0, 0], [1.0, 2.0], [0, 0]),
     ValueError, "losses"),
    ("ranks lengths", lambda: rank_pairs([1.0, 2.0], [0, 0], [1.0], [0]), ValueError,
     "scores"),
    ("mean_std one", lambda: mean_std([1.0]), ValueError, "values"),
    ("mean_std inf", lambda: mean_std([1.0, INF]), ValueError, "values"),
    ("mean_std strings", lambda: mean_std(["a", "b"]), ValueError, "values"),
    # --- added for issue 22; each failed on the old code (checked once) ---
    ("cache directory empty", lambda: ModelCache(""), ValueError,
     r"directory must name a folder, got ''.*pass None for the default"),
    ("compose float mask", lambda: _composed(_FloatMask()), TypeError,
     r"parts\[1\]=.*boolean mask.*got torch.float32 and torch.float32.*mask.bool"),
    ("compose broadcast mask", lambda: _composed(_OneMask()), ValueError,
     r"parts\[1\]=.*a mask of the input's shape \(6, 8, 8\), got \(1, 8, 8\)"),
    ("compose short mask", lambda: _composed(_ShortMask()), ValueError,
     r"parts\[1\]=.*a mask of the input's shape \(6, 8, 8\), got \(5, 8, 8\)"),
    ("config corruption None", lambda: AutoencoderConfig(corruption=None),
     TypeError, r"corruption must be a corruption instance.*"
     r"reviewkit\.autoencoders\.corruptions \(NoCorruption\(\) for none\), got None"),
    ("error corruption class",
     lambda: reconstruction_error(_model(), _x(), corruption=GaussianNoise),
     TypeError, "corruption must be a corruption instance.*got the class"),
    ("curve repeated seed", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, (1,), (0, 0)), ValueError,
     "seeds must not repeat a value, got 0"),
    ("curve repeated count", lambda: label_efficiency(
        _featurize, _LABELS, _LABELS, (1, 1), (0, 1)), ValueError,
     "labels_per_class must not repeat"),
    ("map_images to a string", lambda: _split().map_images(lambda x: "no"), TypeError,
     r"^fn\(self\.x_train\) must be a torch\.Tensor, got str$"),
    ("map_images flattens", lambda: _split().map_images(lambda x: x.flatten(1)),
     ValueError, r"^fn\(self\.x_train\) must be a batch of images of shape \(N, H, W\)"
     r", got shape \(4, 64\)$"),
    ("map_images drops images", lambda: _split().map_images(lambda x: x[:2]),
     ValueError, r"^fn must keep one image per label, got 2 images from the 4 of "
     r"x_train$"),
    ("build too big", lambda: build_model(AutoencoderConfig(hidden=10**12), 0),
     ValueError, r"^config's hidden=1000000000000, code_size=32 and image_shape="
     r"\(8, 8\) need 1\.94e\+14 weights \(7\.23e\+05 GiB in float32\), more than "
     r"can be allocated$"),
    ("TransferConfig repeated seed", lambda: TransferConfig(seeds=(3, 3)),
     ValueError, r"^seeds must not repeat a value, got 3 more than once$"),
    ("TransferConfig repeated count",
     lambda: TransferConfig(labels_per_class=(1, 2, 1)), ValueError,
     r"^labels_per_class must not repeat a value, got 1 more than once$"),
]  # fmt: skip


def _split() -> DigitSplit:
    """Four images per set (the labels are not looked at)."""
    x, y = _x(4), torch.zeros(4, dtype=torch.long)
    return DigitSplit(x, y, x, y, x, y)


def test_the_table_is_large_enough():
    """The bad-input table holds at least 60 cases, each with its own name."""
    names = [case[0] for case in CASES]
    assert len(names) >= 60 and len(set(names)) == len(names)


@pytest.mark.filterwarnings("ignore::reviewkit.autoencoders.training.ImageRangeWarning")
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_raises_a_clear_error_naming_the_argument(call, error, match):
    """Each bad input raises the expected exception type with the expected message."""
    with pytest.raises(error) as info:
        call()
    assert info.type is error and re.search(match, str(info.value)), info.value


# ---------------------------------------------------------------------------
# Random inputs: a clear error or a correct result
# ---------------------------------------------------------------------------

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64,
          torch.int64, torch.bool]  # fmt: skip
#: The argument names an error about a random image batch may name.
IMAGE_ARGS = ("x", "images", "x_train", "x_val", "ratio", "patch_size", "mask")


def _clear(err: Exception, names=IMAGE_ARGS) -> bool:
    """An error is clear if it is a TypeError/ValueError naming an argument."""
    return isinstance(err, (TypeError, ValueError)) and any(
        n in str(err) for n in names
    )


@st.composite
def image_batches(draw, max_side=10):
    """Random (N, H, W)-ish tensors: any dtype, sometimes NaN/inf, sometimes 2-D."""
    ndim = draw(st.sampled_from([2, 3, 3, 3, 4]))
    shape = tuple(draw(st.integers(0, max_side)) for _ in range(ndim))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**16))
    x = torch.rand(shape, generator=_gen(seed)) * draw(st.sampled_from([1.0, 5.0]))
    if x.numel() and draw(st.booleans()):
        x.view(-1)[draw(st.integers(0, x.numel() - 1))] = draw(
            st.sampled_from([NAN, INF, -INF])
        )
    return x.to(dtype)


corruptions = st.one_of(
    st.builds(NoCorruption),
    st.builds(GaussianNoise, std=st.floats(0, 2)),
    st.builds(PixelMask, ratio=st.floats(0, 0.99), fill=st.floats(-1, 1)),
    st.builds(PatchMask, ratio=st.floats(0, 0.99), patch_size=st.integers(1, 4)),
)


@given(x=image_batches(), corruption=corruptions, seed=st.integers(0, 1000))
def test_corruptions_give_a_clear_error_or_a_correct_result(x, corruption, seed):
    """Random batches through a random corruption: clear error or a sound result."""
    try:
        out, mask = corruption(x, _gen(seed))
    except Exception as err:
        assert _clear(err), repr(err)
        return
    assert out.shape == x.shape and out.dtype == x.dtype
    assert mask.shape == x.shape and mask.dtype == torch.bool
    assert bool(torch.isfinite(out).all())
    assert torch.equal(out[~mask], x[~mask])  # untouched pixels stay as they were
    if isinstance(corruption, (PixelMask, PatchMask)):
        assert (out[mask] == torch.tensor(corruption.fill, dtype=x.dtype)).all()
        hidden = mask.flatten(1).sum(dim=1)  # (N,)
        assert bool((hidden == hidden[0]).all())  # the same count in every image
        if corruption.ratio == 0:
            assert int(hidden.sum()) == 0
        else:  # something hidden, something visible
            assert 0 < int(hidden[0]) < mask[0].numel()


@given(x=image_batches(max_side=12), arch=st.sampled_from(["mlp", "conv"]))
def test_encode_gives_a_clear_error_or_finite_codes(x, arch):
    """Random batches into a model: clear error, or finite codes of the right shape."""
    config = TINY if arch == "mlp" else CONV
    model = untrained_autoencoder(config, 0)
    try:
        codes, recon = model.encode(x), model.reconstruct(x)
    except Exception as err:
        assert _clear(err), repr(err)
        return
    assert bool(torch.isfinite(codes).all()) and bool(torch.isfinite(recon).all())
    assert recon.shape == x.shape and recon.dtype == torch.float32
    assert len(codes) == len(x)
    expected = model.encode(x.float())  # the cast is the only change
    assert torch.equal(codes, expected)


@pytest.mark.filterwarnings("ignore::reviewkit.autoencoders.training.ImageRangeWarning")
@given(
    n=st.integers(0, 12),
    scale=st.sampled_from([1.0, 10.0, 1e3, 1e20]),
    dtype=st.sampled_from(DTYPES),
    batch_size=st.integers(1, 8),
    seed=st.integers(0, 100),
)
def test_training_gives_a_clear_error_or_a_finite_model(
    n, scale, dtype, batch_size, seed
):
    """Random data to train_autoencoder: clear error, or finite weights and losses."""
    config = AutoencoderConfig(hidden=4, code_size=2, epochs=1, batch_size=batch_size)
    x = (torch.rand(n, 8, 8, generator=_gen(seed)) * scale).to(dtype)
    try:
        trained = train_autoencoder(config, x, x, seed)
    except Exception as err:
        assert _clear(err), repr(err)
        return
    assert all(bool(torch.isfinite(p).all()) for p in trained.model.parameters())
    assert all(math.isfinite(v) for v in trained.train_loss + trained.val_loss)
    assert len(trained.train_loss) == len(trained.val_loss) == 1


@given(x=image_batches(), seed=st.integers(0, 1000), ratio=st.floats(0, 1))
def test_inpainting_gives_a_clear_error_or_fills_every_hidden_pixel(x, seed, ratio):
    """Random images and masks: clear error, or visible pixels kept and all finite."""
    mask = torch.rand(x.shape, generator=_gen(seed)) < ratio
    try:
        out = inpaint_from_neighbours(x, mask)
    except Exception as err:
        assert _clear(err), repr(err)
        return
    assert out.shape == x.shape and bool(torch.isfinite(out).all())
    assert torch.equal(out[~mask], x[~mask])
    # each filled pixel is a mean of pixels, so it stays in the images' range
    lo, hi = x[~mask].min(), x[~mask].max()
    assert bool((out >= lo).all()) and bool((out <= hi).all())


@given(
    n=st.integers(0, 30),
    d=st.integers(0, 5),
    classes=st.integers(1, 3),
    poison=st.sampled_from([None, NAN, INF]),
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
)
def test_probe_gives_a_clear_error_or_an_accuracy(n, d, classes, poison, dtype):
    """Random features and labels: clear error, or an accuracy in [0, 1]."""
    rng = np.random.default_rng(n * 7 + d)
    features = rng.normal(size=(n, d))
    if poison is not None and features.size:
        features.flat[0] = poison
    features = features.astype(dtype) if poison is None else features
    labels = np.arange(n) % classes
    names = ("train_features", "test_features", "train_labels", "test_labels")
    try:
        accuracy = probe_accuracy(features, labels, features, labels)
    except Exception as err:
        assert _clear(err, names), repr(err)
        return
    assert 0.0 <= accuracy <= 1.0
