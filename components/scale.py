"""Large data on the map: fit-on-a-sample option, cost estimates before long steps, density switch.

Every threshold is a module constant so tests (and deployments) can lower or raise it. Nothing
here drops rows: the sample only decides which rows the projection is *fitted* on; the other
rows are placed with the fitted model's transform, and the option is announced and can be
turned off. The density view aggregates every point into bins.
"""

from __future__ import annotations

import streamlit as st

from components.forms import METHOD_LABELS
from embedlens.dataset import Dataset
from embedlens.i18n import _
from embedlens.pipeline import fingerprint
from embedlens.plotting import DENSITY_POINTS
from embedlens.reduce import TRANSFORM_CHUNK, ProjectionParams
from embedlens.reduce_scale import estimate_cost

# Fit-on-a-sample (t-SNE and UMAP)
SAMPLE_ABOVE_ROWS = 50_000  # offer it (and switch it on by default) above this many rows
DEFAULT_SAMPLE_ROWS = 50_000
MIN_SAMPLE_ROWS = 1_000
SAMPLED_METHODS = ("tsne", "umap")
# Seconds per placed row with transform. UMAP: 0.4 ms CPU per row measured here (fitted on
# 10k of a 384-d Gaussian mixture, 5k-row chunks, after the first chunk). t-SNE: a third of
# openTSNE's fit cost per row (transform runs fewer iterations). Rough, like estimate_cost.
PLACE_SECONDS_PER_ROW = {"umap": 4e-4, "tsne": 6e-4}
# Scatter vs density
SCATTER_MAX_POINTS = DENSITY_POINTS  # WebGL points with hover up to here
# Embedding estimate (sentence-transformers all-MiniLM-L6-v2 on 2 CPU cores)
EMBED_TEXTS_PER_SECOND = 200
EMBED_MODEL_BYTES = 350 * 2**20  # torch + the MiniLM weights, resident
ASSUMED_DIM = 384  # the dimension of the default model's vectors
# Show a cost line when a step is estimated to take at least this long, or above this size
NOTICE_SECONDS = 10.0
# Ask before starting an embedding estimated to take at least this long
CONFIRM_EMBED_SECONDS = 15 * 60.0

# Widget keys (map page sidebar)
SAMPLE_ON = "map.sample_on"
SAMPLE_ROWS = "map.sample_rows"


def fmt_seconds(seconds: float) -> str:
    """'about 40 s', 'about 3 min', 'about 1.5 h'."""
    if seconds < 90:
        return _("about {n} s").format(n=max(1, round(seconds)))
    if seconds < 90 * 60:
        return _("about {n} min").format(n=round(seconds / 60))
    return _("about {n:.1f} h").format(n=seconds / 3600)


def fmt_bytes(n: float) -> str:
    """'850 MB', '2.1 GB'."""
    if n < 2**30:
        return f"{max(1, round(n / 2**20))} MB"
    return f"{n / 2**30:.1f} GB"


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo in bytes, or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def sampling_applies(n_rows: int, params: ProjectionParams) -> bool:
    """Whether the fit-on-a-sample option is offered for this size and method."""
    return params.method in SAMPLED_METHODS and n_rows > SAMPLE_ABOVE_ROWS


def projection_estimate(
    n_rows: int, dim: int, params: ProjectionParams, sample_size: int | None = None
) -> tuple[float, int]:
    """Rough (seconds, peak bytes) of the projection, fitted on all rows or on a sample."""
    if not sample_size or sample_size >= n_rows:
        return estimate_cost(n_rows, dim, params)
    fit_s, fit_bytes = estimate_cost(sample_size, dim, params)
    rest = n_rows - sample_size
    seconds = fit_s + rest * PLACE_SECONDS_PER_ROW.get(params.method, 0.0)
    held = n_rows * dim * 4 + n_rows * params.dims * 4  # all vectors and all coordinates
    placing = min(rest, TRANSFORM_CHUNK) * dim * 4 * 3  # one chunk, normalised and reduced
    return seconds, int(held + fit_bytes + placing)


def vector_dim(ds: Dataset) -> int:
    """The vectors' dimension: the file's own, else the default model's (an assumption)."""
    return int(ds.vectors.shape[1]) if ds.vectors is not None else ASSUMED_DIM


def sampling_form(ds: Dataset, params: ProjectionParams) -> int | None:
    """Sidebar: the fit-on-a-sample option with both cost estimates; the sample size or None."""
    n = len(ds)
    dim = vector_dim(ds)
    name = METHOD_LABELS.get(params.method, params.method)
    sample = None
    if sampling_applies(n, params):
        lo = max(3, min(MIN_SAMPLE_ROWS, n - 1))
        hi = max(lo, n - 1)
        default = min(max(DEFAULT_SAMPLE_ROWS, lo), hi)
        current = st.session_state.get(SAMPLE_ROWS)
        if not isinstance(current, int | float) or not lo <= current <= hi:
            st.session_state.pop(SAMPLE_ROWS, None)  # another dataset's size: back to default
            current = default
        on = st.toggle(
            _("Fit on a sample of {current:,} rows, place the rest").format(current=int(current)),
            True,
            key=SAMPLE_ON,
            help=_(
                "{name} learns the map from a random sample (seeded) and places every other "
                "row with the fitted model's transform. All rows are drawn; turn this off to "
                "fit on all rows (slower, more memory)."
            ).format(name=name),
        )
        size = st.number_input(
            _("Rows in the sample"),
            lo,
            hi,
            default,
            step=min(10_000, hi),
            key=SAMPLE_ROWS,
            disabled=not on,
        )
        sample = int(size) if on else None
    _cost_caption(n, dim, params, sample, name)
    return sample


def _cost_caption(
    n: int, dim: int, params: ProjectionParams, sample: int | None, name: str
) -> None:
    full_s, full_b = projection_estimate(n, dim, params)
    if sample:
        s, b = projection_estimate(n, dim, params, sample)
        st.caption(
            _(
                ":material/schedule: {name}: fit on {sample:,} rows, place the other {n:,}: "
                "{fmt_seconds}, peak {fmt_bytes}. On all {n2:,} rows: {fmt_seconds2}, "
                "{fmt_bytes2}. Rough estimates for 2 CPU cores (expect a factor of 2 either "
                "way); instant when already computed."
            ).format(
                name=name,
                sample=sample,
                n=n - sample,
                fmt_seconds=fmt_seconds(s),
                fmt_bytes=fmt_bytes(b),
                n2=n,
                fmt_seconds2=fmt_seconds(full_s),
                fmt_bytes2=fmt_bytes(full_b),
            )
        )
        peak = b
    elif full_s >= NOTICE_SECONDS or sampling_applies(n, params):
        text = _(":material/schedule: {name} of {n:,} x {dim} vectors: {time}, peak {size}").format(
            name=name, n=n, dim=dim, time=fmt_seconds(full_s), size=fmt_bytes(full_b)
        )
        if sampling_applies(n, params):
            s, b = projection_estimate(n, dim, params, _sample_default(n))
            text += _(" (fitting on {n:,} rows: {time}, {size})").format(
                n=_sample_default(n), time=fmt_seconds(s), size=fmt_bytes(b)
            )
        st.caption(
            text
            + _(
                ". Rough estimate for 2 CPU cores (expect a factor of 2 either way); instant "
                "when already computed."
            )
        )
        peak = full_b
    else:
        return
    free = available_memory()
    if free is not None and peak > free:
        st.warning(
            _(
                "This needs about {fmt_bytes} but only {fmt_bytes2} of memory is free on the "
                "server: it may fail or swap. Fit on a (smaller) sample or use PCA."
            ).format(
                fmt_bytes=fmt_bytes(peak), fmt_bytes2=fmt_bytes(free)
            ),
            icon=":material/memory:",
        )


def _sample_default(n: int) -> int:
    return min(max(DEFAULT_SAMPLE_ROWS, 3), max(3, n - 1))


def embedding_notice(ds: Dataset, backend: str, model: str) -> None:
    """Sidebar: a rough time and memory estimate before texts are embedded with a model."""
    if ds.vectors is not None or backend != "sentence-transformers":
        return
    n = len(ds)
    seconds = n / EMBED_TEXTS_PER_SECOND
    if seconds < NOTICE_SECONDS:
        return
    peak = EMBED_MODEL_BYTES + n * ASSUMED_DIM * 4
    st.caption(
        _(
            ":material/schedule: Embedding {n:,} texts with {x}: {fmt_seconds}, {fmt_bytes} (a"
            " rough estimate: ~{EMBED_TEXTS_PER_SECOND} texts/s for all-MiniLM-L6-v2 on 2 CPU "
            "cores; longer texts, bigger models and busy machines are slower). Texts embedded "
            "before come from the cache."
        ).format(
            n=n,
            x=model or backend,
            fmt_seconds=fmt_seconds(seconds),
            fmt_bytes=fmt_bytes(peak),
            EMBED_TEXTS_PER_SECOND=EMBED_TEXTS_PER_SECOND,
        )
    )


def embedding_confirmed(ds: Dataset, backend: str, model: str) -> bool:
    """Whether the map may start embedding ``ds`` now.

    An embedding estimated at CONFIRM_EMBED_SECONDS or more (a huge upload on a shared server)
    starts only when this session asks for it: until then the page explains the cost, offers the
    button, and names the faster ways.
    """
    if ds.vectors is not None or backend != "sentence-transformers":
        return True
    seconds = len(ds) / EMBED_TEXTS_PER_SECOND
    key = f"map.embed_confirmed.{fingerprint(ds)}.{model}"
    if seconds < CONFIRM_EMBED_SECONDS or st.session_state.get(key):
        return True
    st.warning(
        _(
            "Embedding {n:,} texts with {x} would take {fmt_seconds} here (a rough estimate), "
            "so it starts only when you ask. Texts embedded before come from the cache. "
            "Faster: the TF-IDF + SVD backend in the sidebar (seconds), a file of precomputed "
            "vectors, or a smaller file."
        ).format(
            n=len(ds), x=model or backend, fmt_seconds=fmt_seconds(seconds)
        ),
        icon=":material/schedule:",
    )
    if st.button(
        _("Embed {n:,} texts ({fmt_seconds})").format(n=len(ds), fmt_seconds=fmt_seconds(seconds)),
        key="map.embed_confirm",
        type="primary",
        icon=":material/play_arrow:",
    ):
        st.session_state[key] = True
        st.rerun()
    return False


def message_limit_bytes() -> int:
    """Streamlit's websocket message limit (server.maxMessageSize, in MB) in bytes."""
    return int(st.get_option("server.maxMessageSize")) * 2**20
