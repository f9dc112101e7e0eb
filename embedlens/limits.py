"""What one server accepts: the limits on inputs and the models it may load, in one place.

Defaults suit a shared server; an operator changes them with environment variables or a TOML
file, read once per process (environment wins over the file):

========================  ===============================  =========================
setting                   environment variable             default
========================  ===============================  =========================
``max_file_mb``           ``EMBEDLENS_MAX_UPLOAD_MB``      2048 (also Streamlit's
                                                           ``server.maxUploadSize``)
``max_rows``              ``EMBEDLENS_MAX_ROWS``           5,000,000
``max_columns``           ``EMBEDLENS_MAX_COLUMNS``        10,000
``max_cell_chars``        ``EMBEDLENS_MAX_CELL_CHARS``     100,000 (text a model reads:
                                                           also at most max tokens x 8)
``max_decompressed_mb``   ``EMBEDLENS_MAX_DECOMPRESSED_MB`` 8192 (Parquet, zip)
``max_image_pixels``      ``EMBEDLENS_MAX_IMAGE_PIXELS``   64,000,000
``allow_downloads``       ``EMBEDLENS_ALLOW_DOWNLOADS``    false: models load offline
``allowed_models``        ``EMBEDLENS_ALLOWED_MODELS``     empty: any local model
========================  ===============================  =========================

The file is ``$EMBEDLENS_CONFIG``, else ``.streamlit/embedlens.toml`` in the working folder,
else ``config.toml`` in the workspace folder (``$EMBEDLENS_HOME`` or ``~/.embedlens``), with an
``[embedlens]`` table::

    [embedlens]
    max_upload_mb = 500
    max_columns = 2000
    allowed_models = ["all-MiniLM-L6-v2", "BAAI/bge-small-zh-v1.5", "/srv/models/my-model"]
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlens.errors import DataError, InvalidParameterError
from embedlens.i18n import N_

CHARS_PER_TOKEN = 8  # a model's token limit x 8 characters covers every token it reads
OFFLINE_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits one process applies (see the module docstring for how to set them)."""

    max_file_mb: float = 2048.0
    max_rows: int = 5_000_000
    max_columns: int = 10_000
    max_cell_chars: int = 100_000
    max_decompressed_mb: float = 8192.0
    max_image_pixels: int = 64_000_000
    allow_downloads: bool = False
    allowed_models: tuple[str, ...] = ()

    def check_file_size(self, n_bytes: int, source: str) -> None:
        """Refuse a file larger than ``max_file_mb``."""
        if n_bytes > self.max_file_mb * _MB:
            raise DataError(
                N_(
                    "{file} is {mb:,.1f} MB; this server accepts files up to {limit:,.0f} MB "
                    "(EMBEDLENS_MAX_UPLOAD_MB). Split the file or ask the operator to raise the "
                    "limit."
                ).format(file=source, mb=n_bytes / _MB, limit=self.max_file_mb)
            )

    def check_rows(self, n_rows: int, source: str) -> None:
        """Refuse more than ``max_rows`` data rows."""
        if n_rows > self.max_rows:
            raise DataError(
                N_(
                    "{file} has {n:,} rows; this server accepts up to {limit:,} "
                    "(EMBEDLENS_MAX_ROWS). Load a sample or split the file."
                ).format(file=source, n=n_rows, limit=self.max_rows)
            )

    def check_columns(self, n_columns: int, source: str, *, about: bool = False) -> None:
        """Refuse more than ``max_columns`` columns."""
        if n_columns > self.max_columns:
            message = (
                N_(
                    "{file} has about {n:,} columns; this server accepts up to {limit:,} "
                    "(EMBEDLENS_MAX_COLUMNS). Keep the columns you need, or store vectors as "
                    "one list column (Parquet) or a .npy file."
                )
                if about
                else N_(
                    "{file} has {n:,} columns; this server accepts up to {limit:,} "
                    "(EMBEDLENS_MAX_COLUMNS). Keep the columns you need, or store vectors as "
                    "one list column (Parquet) or a .npy file."
                )
            )
            raise DataError(message.format(file=source, n=n_columns, limit=self.max_columns))

    def check_decompressed(self, n_bytes: int, source: str) -> None:
        """Refuse an archive or Parquet file that would decompress past the limit."""
        if n_bytes > self.max_decompressed_mb * _MB:
            raise DataError(
                N_(
                    "{file} would take {mb:,.0f} MB once decompressed; this server accepts up "
                    "to {limit:,.0f} MB (EMBEDLENS_MAX_DECOMPRESSED_MB). Split the file."
                ).format(file=source, mb=n_bytes / _MB, limit=self.max_decompressed_mb)
            )

    def check_pixels(self, width: int, height: int, source: str) -> None:
        """Refuse an image with more than ``max_image_pixels`` pixels (before decoding it)."""
        if width * height > self.max_image_pixels:
            raise DataError(
                N_(
                    "{file} is {width:,} x {height:,} pixels; this server accepts images up to "
                    "{limit:,} pixels (EMBEDLENS_MAX_IMAGE_PIXELS). Resize it."
                ).format(file=source, width=width, height=height, limit=self.max_image_pixels)
            )

    def cell_chars(self, max_tokens: int | None) -> int:
        """How many characters of one text a model with ``max_tokens`` reads (a safe cut)."""
        if max_tokens and max_tokens > 0:
            return min(self.max_cell_chars, int(max_tokens) * CHARS_PER_TOKEN)
        return self.max_cell_chars

    def check_model(self, model: str) -> None:
        """Refuse a model the operator did not allow (no allow-list: every model is allowed)."""
        if not self.allowed_models or not model or model == "auto":
            return
        wanted = {model, model.rsplit("/", 1)[-1]}
        allowed = set(self.allowed_models) | {m.rsplit("/", 1)[-1] for m in self.allowed_models}
        if Path(model).expanduser().exists():
            resolved = str(Path(model).expanduser().resolve())
            folders = {str(Path(m).expanduser().resolve()) for m in self.allowed_models}
            if resolved in folders:
                return
        elif wanted & allowed:
            return
        raise InvalidParameterError(
            N_(
                "The model {model!r} is not allowed on this server; allowed: {models} "
                "(EMBEDLENS_ALLOWED_MODELS)."
            ).format(model=model, models=", ".join(self.allowed_models))
        )


_ENV = {
    "max_file_mb": "EMBEDLENS_MAX_UPLOAD_MB",
    "max_rows": "EMBEDLENS_MAX_ROWS",
    "max_columns": "EMBEDLENS_MAX_COLUMNS",
    "max_cell_chars": "EMBEDLENS_MAX_CELL_CHARS",
    "max_decompressed_mb": "EMBEDLENS_MAX_DECOMPRESSED_MB",
    "max_image_pixels": "EMBEDLENS_MAX_IMAGE_PIXELS",
    "allow_downloads": "EMBEDLENS_ALLOW_DOWNLOADS",
    "allowed_models": "EMBEDLENS_ALLOWED_MODELS",
}
_FILE_KEYS = {"max_upload_mb": "max_file_mb"}  # the file may use the variable's wording


def config_file() -> Path | None:
    """The TOML file the limits are read from, if there is one."""
    env = os.environ.get("EMBEDLENS_CONFIG", "").strip()
    if env:
        return Path(env).expanduser()
    home = os.environ.get("EMBEDLENS_HOME", "").strip()
    for path in (
        Path.cwd() / ".streamlit" / "embedlens.toml",
        (Path(home).expanduser() if home else Path.home() / ".embedlens") / "config.toml",
    ):
        if path.is_file():
            return path
    return None


def _convert(field: dataclasses.Field, value: Any, where: str) -> Any:
    try:
        if field.type in ("bool", bool):
            if isinstance(value, str):
                value = value.strip().lower()
                if value not in ("1", "0", "true", "false", "yes", "no", ""):
                    raise InvalidParameterError(repr(value))
                return value in ("1", "true", "yes")
            return bool(value)
        if field.name == "allowed_models":
            if isinstance(value, str):
                value = [v for v in value.replace(",", os.pathsep).split(os.pathsep)]
            return tuple(str(v).strip() for v in value if str(v).strip())
        number = float(value)
        if number <= 0:
            raise InvalidParameterError(repr(value))
        return int(number) if field.type in ("int", int) else number
    except (TypeError, ValueError):
        raise InvalidParameterError(
            N_(
                "{where}: {setting} must be a positive number (or true/false, or a list of "
                "model names). Got {value!r} instead."
            ).format(where=where, setting=field.name, value=value)
        ) from None


def from_settings(settings: Mapping[str, Any], where: str = "settings") -> Limits:
    """Limits from a mapping of field names (unknown keys are refused with a message)."""
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    kwargs = {}
    for key, value in settings.items():
        name = _FILE_KEYS.get(key, key)
        if name not in fields:
            raise InvalidParameterError(
                N_("{where}: unknown setting {key!r}; known: {known}.").format(
                    where=where, key=key, known=", ".join(sorted(fields))
                )
            )
        kwargs[name] = _convert(fields[name], value, where)
    return Limits(**kwargs)


@functools.cache
def limits() -> Limits:
    """Return the limits in force: defaults, then the TOML file, then environment variables."""
    settings: dict[str, Any] = {}
    path = config_file()
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise DataError(
                N_("Cannot read the embedlens config {path}: {error}.").format(path=path, error=exc)
            ) from None
        settings.update(data.get("embedlens", {}))
    for name, var in _ENV.items():
        if os.environ.get(var, "").strip():
            settings[name] = os.environ[var]
    where = N_("{path} / environment").format(path=path) if path else N_("environment")

    return from_settings(settings, where)


def reload() -> Limits:
    """Read the limits again (after changing the environment or the file)."""
    limits.cache_clear()
    return limits()


def apply_offline() -> bool:
    """Keep model libraries off the network unless downloads are allowed; True when offline.

    Sets ``HF_HUB_OFFLINE=1`` and ``TRANSFORMERS_OFFLINE=1`` (unless the operator set them), so
    an unknown model name fails in seconds instead of retrying the hub. Call it before
    importing sentence-transformers or transformers.
    """
    if limits().allow_downloads:
        return False
    for var in OFFLINE_ENV:
        os.environ.setdefault(var, "1")
    return True


_DELIMITERS = (b",", b"\t", b";", b"|")


def header_columns(data: bytes | bytearray | memoryview) -> int:
    r"""About how many columns a delimited file's first line has, counted on the raw bytes.

    Counts the most frequent delimiter (comma, tab, semicolon, pipe) in the first line, so a
    file with a million columns is refused before any parser sees it (quoted delimiters count
    too: "about").

    Examples
    --------
    >>> header_columns(b"a,b,c\n1,2,3\n"), header_columns(b"a\tb\n"), header_columns(b"text")
    (3, 2, 1)
    """
    view = bytes(data[: 64 * _MB]) if not isinstance(data, bytes) else data
    end = view.find(b"\n", 0, 64 * _MB)
    line = view[: end if end >= 0 else min(len(view), 64 * _MB)]
    return 1 + max(line.count(d) for d in _DELIMITERS)


def check_input(
    data: bytes | os.PathLike[str], kind: str, source: str, lim: Limits | None = None
) -> None:
    """Refuse, before parsing, a file over the size, column or decompressed-size limits.

    ``data`` is the file's bytes or its path (only the size, the first line or the Parquet
    footer is read). ``kind`` is the loader's format: delimited text (``csv``, ``tsv``,
    ``txt``, ``bytes``) has its header line counted; Parquet has its metadata read (rows,
    columns, uncompressed size) without decoding any data.
    """
    lim = lim or limits()
    is_path = isinstance(data, os.PathLike)
    size = os.stat(data).st_size if is_path else len(data)
    lim.check_file_size(size, source)
    if kind in ("csv", "tsv", "txt", "bytes"):
        if is_path:
            with open(data, "rb") as fh:
                data = fh.read(64 * _MB)
        lim.check_columns(header_columns(data), source, about=True)
    elif kind == "parquet" and size:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(os.fspath(data) if is_path else pa.BufferReader(data)).metadata
        except (pa.ArrowException, OSError, ValueError):
            return  # the parser reports a damaged file with its own message
        lim.check_columns(meta.num_columns, source)
        lim.check_rows(meta.num_rows, source)
        total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        lim.check_decompressed(total, source)
