r"""Linear probes: how much of a label a frozen representation makes linearly easy.

A probe standardises the features and fits multinomial logistic regression
(scikit-learn) on them, leaving the encoder untouched:

.. math::

    p(y = k \mid z) = \frac{\exp(w_k^\top z + b_k)}{\sum_j \exp(w_j^\top z + b_j)}

Its test accuracy measures the representation, not the probe. A
label-efficiency curve repeats the probe with 1, 2, 5, ... labels per class,
over several seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from reviewkit.checks import check_float, check_int, check_seed
from reviewkit.measure import one_thread

__all__ = [
    "FeatureArray",
    "LabelCurve",
    "ProbeConfig",
    "label_efficiency",
    "mean_std",
    "probe_accuracy",
    "rank_disagreements",
    "sample_per_class",
]

#: Features or labels as a torch tensor or a numpy array.
FeatureArray = torch.Tensor | np.ndarray


@dataclass(frozen=True)
class ProbeConfig:
    """Settings of the logistic-regression probe.

    Attributes:
        C: Inverse strength of the L2 penalty.
        max_iter: Iterations allowed to L-BFGS.
    """

    # scikit-learn's default; the same for every representation, so fair.
    C: float = 1.0
    # Enough for L-BFGS to converge on standardised features of this size.
    max_iter: int = 2000

    def __post_init__(self) -> None:
        """Check the fields."""
        check_float("C", self.C, low=0, low_inclusive=False)
        check_int("max_iter", self.max_iter, minimum=1)


def _as_matrix(name: str, features: object) -> np.ndarray:
    """Features ``(N, ...)`` as a finite float64 matrix ``(N, D)``, or a clear error."""
    if isinstance(features, torch.Tensor):
        features = features.detach().cpu()
        if features.dtype == torch.bfloat16:  # numpy has no bfloat16
            features = features.float()
        features = features.numpy()
    if not isinstance(features, np.ndarray):
        raise TypeError(
            f"{name} must be a torch.Tensor or numpy array, "
            f"got {type(features).__name__}"
        )
    if features.dtype == np.bool_ or not np.issubdtype(features.dtype, np.number):
        raise TypeError(f"{name} must hold real numbers, got dtype {features.dtype}")
    if np.issubdtype(features.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {features.dtype}")
    if features.ndim < 2:
        raise ValueError(
            f"{name} must have shape (N, ...) with N samples, got {features.shape}"
        )
    if features.shape[0] == 0 or features[0].size == 0:
        raise ValueError(f"{name} must not be empty, got shape {features.shape}")
    matrix = features.reshape(len(features), -1).astype(np.float64)
    if not np.isfinite(matrix).all():
        bad = int((~np.isfinite(matrix)).sum())
        raise ValueError(
            f"{name} must be finite, got {bad} NaN or infinite entries "
            f"in shape {features.shape}"
        )
    return matrix


def _as_labels(name: str, labels: object, n: int | None = None) -> np.ndarray:
    """Class labels as a 1-D integer array, one per sample, or a clear error."""
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().numpy()
    if not isinstance(labels, (np.ndarray, list, tuple)):
        raise TypeError(
            f"{name} must be a tensor, array or list of integer class labels, "
            f"got {type(labels).__name__}"
        )
    labels = np.asarray(labels)
    if (
        labels.ndim != 1
        or labels.dtype == np.bool_
        or not np.issubdtype(labels.dtype, np.integer)
    ):
        raise ValueError(
            f"{name} must be a 1-D array of integer class labels, "
            f"got dtype {labels.dtype} and shape {labels.shape}"
        )
    if len(labels) == 0:
        raise ValueError(f"{name} must not be empty")
    if n is not None and len(labels) != n:
        raise ValueError(
            f"{name} must have one label per sample ({n}), got {len(labels)}"
        )
    return labels


def _check_config(config: object) -> ProbeConfig:
    """The probe settings: ``config``, or the defaults for ``None``."""
    if config is None:
        return ProbeConfig()
    if not isinstance(config, ProbeConfig):
        raise TypeError(f"config must be a ProbeConfig, got {type(config).__name__}")
    return config


def _as_finite_vector(name: str, values: object) -> np.ndarray:
    """Numbers as a finite 1-D float64 array, or a clear error naming ``name``."""
    try:
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a sequence of numbers, got {type(values).__name__}"
        ) from None
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def _as_int_tuple(name: str, values: object, minimum: int) -> tuple[int, ...]:
    """A sequence of ints, each at least ``minimum``, as a tuple."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a sequence of ints, got {type(values).__name__}"
        )
    return tuple(
        check_int(f"{name}[{i}]", v, minimum=minimum) for i, v in enumerate(values)
    )


def probe_accuracy(
    train_features: torch.Tensor | np.ndarray,
    train_labels: torch.Tensor | np.ndarray,
    test_features: torch.Tensor | np.ndarray,
    test_labels: torch.Tensor | np.ndarray,
    config: ProbeConfig | None = None,
) -> float:
    """Fit a linear probe on training features and return its test accuracy.

    Args:
        train_features: Features ``(N_train, ...)``; trailing dimensions are
            flattened, so feature maps work too.
        train_labels: Class labels ``(N_train,)``.
        test_features: Features ``(N_test, ...)``, same trailing shape.
        test_labels: Class labels ``(N_test,)``.
        config: Probe settings; ``None`` uses :class:`ProbeConfig` defaults.

    Returns:
        Share of test samples classified correctly.

    Raises:
        TypeError: If features are not tensors or arrays of real numbers, or
            labels are not integers.
        ValueError: If features hold NaN or infinite values, shapes disagree,
            or the training labels hold fewer than two classes.
    """
    config = _check_config(config)
    # One thread: on these small matrices extra threads cost far more than
    # they save (the limit is lifted when the block ends).
    with one_thread():
        return _fit_and_score(
            train_features, train_labels, test_features, test_labels, config
        )


def _fit_and_score(
    train_features: object,
    train_labels: object,
    test_features: object,
    test_labels: object,
    config: ProbeConfig,
) -> float:
    """:func:`probe_accuracy` without the thread limit (the caller sets it)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    xtr = _as_matrix("train_features", train_features)
    ytr = _as_labels("train_labels", train_labels, len(xtr))
    xte = _as_matrix("test_features", test_features)
    yte = _as_labels("test_labels", test_labels, len(xte))
    if xte.shape[1] != xtr.shape[1]:
        raise ValueError(
            f"test_features must have {xtr.shape[1]} features like train_features, "
            f"got {xte.shape[1]}"
        )
    if len(np.unique(ytr)) < 2:
        raise ValueError(
            f"train_labels must contain at least two classes, got {np.unique(ytr)}"
        )
    probe = make_pipeline(
        StandardScaler(), LogisticRegression(C=config.C, max_iter=config.max_iter)
    )
    probe.fit(xtr, ytr)
    return float((probe.predict(xte) == yte).mean())


def sample_per_class(
    labels: torch.Tensor | np.ndarray, per_class: int, seed: int
) -> np.ndarray:
    """Pick ``per_class`` random indices of every class, with a seed.

    Args:
        labels: Class labels ``(N,)``.
        per_class: How many samples to take from each class.
        seed: Seed of the draw.

    Returns:
        Sorted indices into ``labels``, ``per_class`` times the number of classes.

    Raises:
        ValueError: If a class has fewer than ``per_class`` samples.
    """
    labels = _as_labels("labels", labels)
    per_class = check_int("per_class", per_class, minimum=1)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    chosen = []
    for k in np.unique(labels):
        idx = np.flatnonzero(labels == k)
        if len(idx) < per_class:
            raise ValueError(
                f"per_class must be at most the size of the smallest class: "
                f"class {k} has {len(idx)} labelled samples, got per_class={per_class}"
            )
        chosen.append(rng.choice(idx, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


@dataclass(frozen=True)
class LabelCurve:
    """Probe accuracy against labels per class, over several seeds.

    Attributes:
        labels_per_class: The x axis.
        seeds: Seeds of the label draws.
        accuracies: Test accuracies, shape ``(len(seeds), len(labels_per_class))``.
    """

    labels_per_class: tuple[int, ...]
    seeds: tuple[int, ...]
    accuracies: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        """Mean accuracy over seeds, one per point."""
        return self.accuracies.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Standard deviation over seeds (ddof=1), one per point."""
        return self.accuracies.std(axis=0, ddof=1)


def label_efficiency(
    featurize: Callable[[int], tuple[FeatureArray, FeatureArray]],
    train_labels: torch.Tensor | np.ndarray,
    test_labels: torch.Tensor | np.ndarray,
    labels_per_class: Sequence[int],
    seeds: Sequence[int],
    config: ProbeConfig | None = None,
) -> LabelCurve:
    """Probe accuracy with few to many labels per class, for several seeds.

    For each seed, ``featurize(seed)`` gives the training and test features
    (so an encoder trained with that seed can supply them, and raw pixels can
    ignore the seed); then for each count :func:`sample_per_class` draws the
    labelled subset of the training set with the same seed, and
    :func:`probe_accuracy` fits a probe on it and scores it on the full test
    set.

    Args:
        featurize: Maps a seed to ``(train_features, test_features)``, shapes
            ``(N_train, ...)`` and ``(N_test, ...)``.
        train_labels: Labels ``(N_train,)``.
        test_labels: Labels ``(N_test,)``.
        labels_per_class: Counts to try, each at least 1.
        seeds: Seeds; at least two, for a spread.
        config: Probe settings.

    Returns:
        The accuracies of every seed and count.
    """
    if not callable(featurize):
        raise TypeError(f"featurize must be callable, got {type(featurize).__name__}")
    ytr = _as_labels("train_labels", train_labels)
    _as_labels("test_labels", test_labels)
    config = _check_config(config)
    counts = _as_int_tuple("labels_per_class", labels_per_class, 1)
    seeds = _as_int_tuple("seeds", seeds, 0)
    if not counts:
        raise ValueError("labels_per_class must not be empty")
    if len(seeds) < 2:
        raise ValueError(f"seeds must hold at least two seeds, got {seeds!r}")
    acc = np.empty((len(seeds), len(counts)))
    for i, seed in enumerate(seeds):
        out = featurize(seed)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(
                "featurize must return a pair (train_features, test_features), "
                f"got {type(out).__name__}"
            )
        train_features, test_features = out
        xtr = _as_matrix("train_features", train_features)
        if len(xtr) != len(ytr):
            raise ValueError(
                f"featurize({seed}) must return one training feature row per "
                f"label in train_labels ({len(ytr)}), got {len(xtr)}"
            )
        # one thread limit for all counts: entering one costs milliseconds,
        # about a third of a probe fitted on a few labels
        with one_thread():
            for j, count in enumerate(counts):
                idx = sample_per_class(ytr, count, seed)
                acc[i, j] = _fit_and_score(
                    xtr[idx], ytr[idx], test_features, test_labels, config
                )
    return LabelCurve(counts, seeds, acc)


def rank_disagreements(
    losses: Sequence[float] | np.ndarray, scores: Sequence[float] | np.ndarray
) -> list[tuple[int, int]]:
    """Pairs where the lower loss does *not* come with the higher score.

    Args:
        losses: One loss per variant (lower is better).
        scores: One downstream score per variant (higher is better).

    Returns:
        Every pair ``(i, j)`` with ``losses[i] < losses[j]`` but
        ``scores[i] < scores[j]``: the variant with the lower loss does worse.
    """
    losses = _as_finite_vector("losses", losses)
    scores = _as_finite_vector("scores", scores)
    if losses.shape != scores.shape:
        raise ValueError(
            f"scores must have one entry per loss ({len(losses)}), got {len(scores)}"
        )
    n = len(losses)
    return [
        (i, j)
        for i in range(n)
        for j in range(n)
        if losses[i] < losses[j] and scores[i] < scores[j]
    ]


def mean_std(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of a few numbers.

    Args:
        values: At least two numbers, for example one result per seed.

    Returns:
        ``(mean, std)``.
    """
    arr = _as_finite_vector("values", values)
    if len(arr) < 2:
        raise ValueError(f"values must hold at least two numbers, got {len(arr)}")
    return float(arr.mean()), float(arr.std(ddof=1))
