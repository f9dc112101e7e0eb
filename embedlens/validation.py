"""Parameter and array validation with one message shape (scikit-learn's).

``The 'perplexity' parameter of TSNEParams must be a float in the range (0, inf).
Got -1.0 instead.``

Every parameter error says the parameter's name, its owner, what is allowed and the value
received, then optionally what to do; :func:`parameter_error` builds that message, the
``check_*`` helpers use it:

>>> str(parameter_error("k", 0, "an int in the range [2, inf)", owner="ClusterParams"))
"The 'k' parameter of ClusterParams must be an int in the range [2, inf). Got 0 instead."
>>> try:
...     check_params_vs_data("k", 8, 8, owner="ClusterParams", hint="lower k or load more rows")
... except InvalidParameterError as exc:
...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
The 'k' parameter of ClusterParams must be less than the number of points (8).
Got 8 instead; lower k or load more rows.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_

# One msgid per shape of the parameter message (with or without an owner, with or without a
# hint); the app shows them through translate_note, which also translates ``allowed`` and
# ``hint`` when they are msgids themselves. Parameter names and values stay as they are.
_PARAMETER_MESSAGES = {
    (True, True): N_(
        "The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead; {hint}."
    ),
    (True, False): N_(
        "The {name!r} parameter of {owner} must be {allowed}. Got {value!r} instead."
    ),
    (False, True): N_("The {name!r} parameter must be {allowed}. Got {value!r} instead; {hint}."),
    (False, False): N_("The {name!r} parameter must be {allowed}. Got {value!r} instead."),
}

# The names callers give their arrays (``name=``), so that messages about them translate too.
ARRAY_NAMES = (
    N_("vectors"), N_("new vectors"), N_("training vectors"), N_("query vectors"),
    N_("data vectors"), N_("selected vectors"),
)  # fmt: skip


def parameter_error(
    name: str, value: Any, allowed: str, *, owner: str | None = None, hint: str | None = None
) -> InvalidParameterError:
    """The one parameter message: name (and owner), what is allowed, the value, what to do.

    ``allowed`` completes "must be ...", e.g. ``"one of {'pca', 'umap'}"``; ``hint`` (what to
    do next) follows after a semicolon.
    """
    hint = hint.strip().rstrip(".") if hint else ""
    template = _PARAMETER_MESSAGES[bool(owner), bool(hint)]
    return InvalidParameterError(
        template.format(name=name, owner=owner, allowed=allowed, value=value, hint=hint)
    )


def listed(items: Sequence[Any] | np.ndarray, *, limit: int = 5, fmt: Any = str) -> str:
    """The first ``limit`` items for a message, joined by ", ", with " ..." when there are more.

    >>> listed([4, 9]), listed(range(8))
    ('4, 9', '0, 1, 2, 3, 4 ...')
    """
    head = ", ".join(fmt(v) for v in items[:limit])
    return head + (" ..." if len(items) > limit else "")


def unit_rows(X: np.ndarray, *, name: str = "vectors", allow_zero: bool = False) -> np.ndarray:
    """Rows scaled to length 1, float32 C-contiguous (cosine geometry as euclidean).

    An all-zero row has no direction: a DataError naming the rows, or, with ``allow_zero``,
    the row stays zero.

    >>> unit_rows(np.array([[3.0, 4.0], [0.0, 2.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.0, 1.0]]
    >>> unit_rows(np.zeros((1, 2)), allow_zero=True).tolist()
    [[0.0, 0.0]]
    """
    norms = np.linalg.norm(X, axis=1)
    zero = norms == 0
    if zero.any():
        if not allow_zero:
            rows = np.flatnonzero(zero)
            raise DataError(
                N_(
                    "{array} contain {n} all-zero row(s) (row index {rows}); cosine distance is "
                    "undefined for them. Remove those rows or use metric='euclidean'."
                ).format(array=name, n=rows.size, rows=listed(rows))
            )
        norms = np.where(zero, 1.0, norms)
    return np.ascontiguousarray(X / norms[:, None], dtype=np.float32)


def _fmt(value: float | None, default: str) -> str:
    return default if value is None else repr(value)


def check_in_range(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    closed: str = "both",
    owner: str,
    kind: type = float,
) -> None:
    """Raise InvalidParameterError unless ``low <= value <= high`` (ends per ``closed``).

    ``closed`` is one of "both", "left", "right", "neither". ``kind`` is ``int`` or ``float``.
    """
    left = "[" if closed in ("both", "left") and low is not None else "("
    right = "]" if closed in ("both", "right") and high is not None else ")"
    interval = f"{left}{_fmt(low, '-inf')}, {_fmt(high, 'inf')}{right}"
    in_range = (
        N_("an int in the range {interval}")
        if kind is int
        else N_("a float in the range {interval}")
    )
    error = parameter_error(name, value, in_range.format(interval=interval), owner=owner)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise error
    if kind is int and not float(value).is_integer():
        raise error
    if isinstance(value, float) and math.isnan(value):
        raise error
    if low is not None and (value < low or (value == low and left == "(")):
        raise error
    if high is not None and (value > high or (value == high and right == ")")):
        raise error


def check_choice(name: str, value: Any, choices: Collection[Any], *, owner: str) -> None:
    """Raise InvalidParameterError unless ``value`` is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise parameter_error(
            name, value, N_("one of {{{allowed}}}").format(allowed=allowed), owner=owner
        )


def check_vectors(
    X: Any, *, n_rows: int | None = None, min_rows: int = 1, name: str = "vectors"
) -> np.ndarray:
    """Return ``X`` as a float32 C-contiguous 2-D array, or raise DataError saying why not.

    Checks: 2-D, numeric, finite, at least ``min_rows`` rows, and ``n_rows`` rows when given.
    """
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise DataError(
            N_("{array} could not be read as a numeric array: {error}.").format(
                array=name, error=exc
            )
        ) from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise DataError(
            N_("{array} must be numeric; got values of type {dtype}.").format(
                name=name, dtype=arr.dtype
            )
        )
    if arr.ndim != 2:
        raise DataError(
            N_("{array} must be a 2-D array of shape (n_rows, n_dims); got shape {shape}.").format(
                name=name, shape=arr.shape
            )
        )
    if arr.shape[1] == 0:
        raise DataError(
            N_("{array} has 0 dimensions; each row needs at least one value.").format(array=name)
        )
    if n_rows is not None and arr.shape[0] != n_rows:
        raise DataError(
            N_(
                "{array} has {n} rows but the table has {n_rows}; each row of the table needs "
                "exactly one vector."
            ).format(array=name, n=arr.shape[0], n_rows=n_rows)
        )
    if arr.shape[0] < min_rows:
        raise DataError(
            N_("{array} has {n} rows; at least {min_rows} are needed.").format(
                name=name, n=arr.shape[0], min_rows=min_rows
            )
        )
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    finite = np.isfinite(arr).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise DataError(
            N_(
                "{array} contain NaN or infinite values in {n} row(s) (row index {rows}); remove "
                "or fix those rows."
            ).format(array=name, n=bad.size, rows=listed(bad))
        )
    return arr


def check_params_vs_data(
    param: str,
    value: float,
    n_samples: int,
    *,
    hint: str,
    owner: str | None = None,
    inclusive: bool = False,
) -> None:
    """Raise InvalidParameterError unless ``value < n_samples`` (``<=`` when ``inclusive``)."""
    if value > n_samples or (value == n_samples and not inclusive):
        bound = (
            N_("at most the number of points ({n})")
            if inclusive
            else N_("less than the number of points ({n})")
        )
        raise parameter_error(param, value, bound.format(n=n_samples), owner=owner, hint=hint)


def as_object_labels(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Labels as a plain object array (scikit-learn cannot index Arrow-backed strings)."""
    return np.asarray(list(values), dtype=object)
