"""Static PNG of a map: kaleido 1.x driving the system's Chromium, offline.

kaleido 1.x renders through a headless Chrome/Chromium found by choreographer: the
``BROWSER_PATH`` environment variable, else a search of the usual install places. Here the
browser is, in order, ``EMBEDLENS_BROWSER``, ``BROWSER_PATH``, or Debian's
``/usr/bin/chromium``; MathJax (fetched from a CDN by default) is turned off, and plotly.js
comes from the installed plotly package, so no request leaves the machine.
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

from embedlens.errors import BackendUnavailable

__all__ = ["EXPORT_FONTS", "browser_path", "figure_to_png"]

EXPORT_FONTS = (
    '"Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
    '"PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif'
)
"""Font families for static exports: Latin first, then CJK fallbacks for Chinese labels."""
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def browser_path() -> str | None:
    """The Chromium/Chrome that renders PNGs, or None when there is none."""
    for env in ("EMBEDLENS_BROWSER", "BROWSER_PATH"):
        value = os.environ.get(env)
        if value and Path(value).is_file():
            return value
    for candidate in (*_CANDIDATES, shutil.which("chromium"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


def _export_layout(fig: Any, width: int, height: int) -> Any:
    """A copy of ``fig`` sized for a still image, with the CJK-capable font list."""
    out = copy.deepcopy(fig)
    family = EXPORT_FONTS
    out.update_layout(width=width, height=height, font={"family": family})
    for annotation in out.layout.annotations or ():
        annotation.font.family = family
    for trace in out.data:
        if getattr(trace, "textfont", None) is not None:
            trace.textfont.family = family
    return out


def figure_to_png(fig: Any, *, width: int = 1600, height: int = 1000, scale: float = 1.0) -> bytes:
    """PNG bytes of a Plotly figure, rendered by kaleido in the system Chromium.

    Raises
    ------
    BackendUnavailable
        No kaleido package or no Chromium/Chrome on this machine (the message says which).
    """
    try:
        import kaleido
    except ImportError as exc:  # pragma: no cover - kaleido is a dependency
        raise BackendUnavailable(
            "PNG export needs the kaleido package: pip install 'kaleido>=1'."
        ) from exc
    browser = browser_path()
    if browser is None:
        raise BackendUnavailable(
            "PNG export needs Chromium or Chrome; install it (Debian: apt-get install chromium) "
            "or set BROWSER_PATH to its executable."
        )
    still = _export_layout(fig, width, height)
    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    kopts = {"path": browser, "mathjax": False}
    data = kaleido.calc_fig_sync(still, opts=opts, kopts=kopts)
    if not isinstance(data, bytes | bytearray) or not bytes(data).startswith(b"\x89PNG"):
        raise BackendUnavailable("kaleido returned no PNG; check the browser at " + browser)
    return bytes(data)
