"""How big a scatter figure gets, and when to draw the density view instead."""

from __future__ import annotations

DENSITY_POINTS = 200_000
"""Above this many points the app should draw :func:`density_figure` instead."""
MESSAGE_LIMIT_BYTES = 200 * 2**20
"""Streamlit's default ``server.maxMessageSize`` (200 MB)."""


def estimate_payload_bytes(
    n: int, mean_text_len: float, *, dims: int = 2, n_hover_columns: int = 0, wrap: int = 60
) -> int:
    """Estimate the JSON size of a :func:`scatter_figure` with ``n`` points.

    Coordinates and integer ids travel as base64 typed arrays (about 5.3 bytes per value);
    hover text as JSON strings, where Plotly writes ``<``, ``>`` and ``/`` as 6-byte unicode
    escapes (each ``<br>`` costs 14 bytes, each ``<b>name</b>:`` line about 60). Calibrated on
    ASCII text (within ~5 % of ``len(fig.to_json())``); non-ASCII characters cost up to 6 bytes.

    Parameters
    ----------
    n : int
        Number of points.
    mean_text_len : float
        Mean hover-text length in characters (after shortening to ``max_hover_chars``); 0 when
        there are no texts (the hover then shows the id).
    dims : int, default=2
        2 or 3.
    n_hover_columns : int, default=0
        Extra hover lines: one per hover column, plus one for a numeric colour and one for
        the cluster when the colour is something else.
    wrap : int, default=60
        Hover line width.

    Returns
    -------
    int
        Estimated bytes.

    Examples
    --------
    >>> round(estimate_payload_bytes(100_000, 100) / 1e6, 1)  # MB
    13.7
    """
    if mean_text_len > 0:
        text = 3 + mean_text_len * 1.04 + int(mean_text_len // max(wrap, 1)) * 14
    else:
        text = 44  # "<b>id</b>: 12345"
    per_point = (dims + 1) * 16 / 3 + text + n_hover_columns * 62
    return int(20_000 + n * per_point)


def use_density(
    n: int,
    *,
    mean_text_len: float = 0.0,
    dims: int = 2,
    max_points: int = DENSITY_POINTS,
    max_bytes: int = MESSAGE_LIMIT_BYTES,
) -> bool:
    """Whether the map should be a density view instead of a scatter of every point.

    True above ``max_points`` points or when :func:`estimate_payload_bytes` exceeds half of
    ``max_bytes`` (Streamlit's message limit; half leaves room for the rest of the page).

    Parameters
    ----------
    n : int
        Number of points.
    mean_text_len : float, default=0.0
        Mean hover-text length.
    dims : int, default=2
        2 or 3.
    max_points : int, default=200_000
        Point budget for a WebGL scatter.
    max_bytes : int, default=200 MB
        The message-size limit.

    Returns
    -------
    bool
        True when :func:`density_figure` should be drawn.
    """
    payload = estimate_payload_bytes(n, mean_text_len, dims=dims)
    return n > max_points or payload > max_bytes // 2
