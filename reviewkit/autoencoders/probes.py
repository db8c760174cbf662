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

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from reviewkit.checks import (
    check_distinct,
    check_float,
    check_instance,
    check_int,
    check_seed,
)
from reviewkit.measure import one_thread

__all__ = [
    "LabelCurve",
    "ProbeConfig",
    "label_efficiency",
    "mean_std",
    "probe_accuracy",
    "rank_pairs",
    "sample_per_class",
]


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


def _validated(name: str, check: Callable[..., Any], value: object, **kw: Any) -> Any:
    """Run a scikit-learn validator on ``value``; its error then names ``name``."""
    if isinstance(value, torch.Tensor):  # numpy has no bfloat16
        value = value.detach().cpu()
        value = (value.float() if value.dtype == torch.bfloat16 else value).numpy()
    try:
        return check(value, **kw)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{name}: {err}") from None


def _features(name: str, features: object) -> np.ndarray:
    """Features ``(N, ...)`` as a finite float64 matrix ``(N, D)``."""
    from sklearn.utils import check_array

    x = _validated(name, check_array, features, allow_nd=True, dtype=np.float64,
                   input_name=name)  # fmt: skip
    return _validated(name, check_array, x.reshape(len(x), -1), input_name=name)


def _labels(name: str, labels: object, n: int | None = None) -> np.ndarray:
    """Class labels as a 1-D array, one per sample (``n`` of them, if given)."""
    from sklearn.utils import column_or_1d
    from sklearn.utils.multiclass import check_classification_targets

    y = _validated(name, column_or_1d, labels, input_name=name)
    _validated(name, check_classification_targets, y)
    if len(y) == 0:
        raise ValueError(f"{name} must not be empty")
    if n is not None and len(y) != n:
        raise ValueError(f"{name} must hold one label per sample ({n}), got {len(y)}")
    return y


def _numbers(name: str, values: object) -> np.ndarray:
    """A sequence of numbers as a finite 1-D float64 array."""
    from sklearn.utils import check_array

    return _validated(name, check_array, values, ensure_2d=False, dtype=np.float64,
                      input_name=name).ravel()  # fmt: skip


def _ints(name: str, values: object, minimum: int) -> tuple[int, ...]:
    """Distinct ints, each at least ``minimum``, as a tuple."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{name} must be a sequence of ints, got {type(values).__name__}"
        )
    ints = tuple(
        check_int(f"{name}[{i}]", v, minimum=minimum) for i, v in enumerate(values)
    )
    check_distinct(name, ints)
    return ints


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
        ValueError: Naming the argument, for features that are not finite
            real numbers of at least two dimensions, labels that are not
            classes, disagreeing shapes, or fewer than two training classes
            (scikit-learn's ``check_array`` and label checks, named).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    config = ProbeConfig() if config is None else config
    check_instance("config", config, ProbeConfig)
    xtr = _features("train_features", train_features)
    ytr = _labels("train_labels", train_labels, len(xtr))
    xte = _features("test_features", test_features)
    yte = _labels("test_labels", test_labels, len(xte))
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
    # one thread: on these small matrices extra threads cost more than they save
    with one_thread():
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
    labels = _labels("labels", labels)
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
    featurize: Callable[[int], tuple[torch.Tensor | np.ndarray, ...]],
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
    ytr = _labels("train_labels", train_labels)
    _labels("test_labels", test_labels)
    config = ProbeConfig() if config is None else config
    check_instance("config", config, ProbeConfig)
    counts = _ints("labels_per_class", labels_per_class, 1)
    seeds = _ints("seeds", seeds, 0)
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
        xtr = _features("train_features", out[0])
        if len(xtr) != len(ytr):
            raise ValueError(
                f"featurize({seed}) must return one training feature row per "
                f"label in train_labels ({len(ytr)}), got {len(xtr)}"
            )
        with one_thread():  # one limit for all counts (entering costs milliseconds)
            for j, count in enumerate(counts):
                idx = sample_per_class(ytr, count, seed)
                acc[i, j] = probe_accuracy(
                    xtr[idx], ytr[idx], out[1], test_labels, config
                )
    return LabelCurve(counts, seeds, acc)


def rank_pairs(
    losses: Sequence[float] | np.ndarray,
    loss_spread: Sequence[float] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    score_spread: Sequence[float] | np.ndarray,
) -> dict[str, list[tuple[int, int]]]:
    """Sort the pairs of variants by whether a lower loss came with a higher score.

    A pair counts only where both measures tell its two variants apart: if
    the intervals ``mean ± spread`` overlap (or touch) on either measure, the
    pair is ``"within noise"``. Otherwise it is ``"agree"`` when the variant
    with the lower loss has the higher score, and ``"flip"`` when it has the
    lower one.

    Args:
        losses: One mean loss per variant (lower is better).
        loss_spread: The spread of each loss, for example its standard
            deviation over seeds (non-negative).
        scores: One mean downstream score per variant (higher is better).
        score_spread: The spread of each score.

    Returns:
        ``{"agree": [...], "flip": [...], "within noise": [...]}``, each a
        list of pairs ``(i, j)`` with ``i < j``; every pair is in exactly one.
    """
    arrays = [
        _numbers(name, values)
        for name, values in [
            ("losses", losses),
            ("loss_spread", loss_spread),
            ("scores", scores),
            ("score_spread", score_spread),
        ]
    ]
    others = ("loss_spread", "scores", "score_spread")
    for name, a in zip(others, arrays[1:], strict=True):
        if a.shape != arrays[0].shape:
            raise ValueError(
                f"{name} must have one entry per loss ({len(arrays[0])}), got {len(a)}"
            )
    loss, loss_sd, score, score_sd = arrays
    if (loss_sd < 0).any() or (score_sd < 0).any():
        raise ValueError("loss_spread and score_spread must be non-negative")
    out: dict[str, list[tuple[int, int]]] = {k: [] for k in ("agree", "flip")}
    out["within noise"] = []
    for i, j in itertools.combinations(range(len(loss)), 2):
        apart = abs(loss[i] - loss[j]) > loss_sd[i] + loss_sd[j]
        apart &= abs(score[i] - score[j]) > score_sd[i] + score_sd[j]
        if not apart:
            out["within noise"].append((i, j))
        elif (loss[i] < loss[j]) == (score[i] > score[j]):
            out["agree"].append((i, j))
        else:
            out["flip"].append((i, j))
    return out


def mean_std(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of a few numbers.

    Args:
        values: At least two numbers, for example one result per seed.

    Returns:
        ``(mean, std)``.
    """
    arr = _numbers("values", values)
    if len(arr) < 2:
        raise ValueError(f"values must hold at least two numbers, got {len(arr)}")
    return float(arr.mean()), float(arr.std(ddof=1))
