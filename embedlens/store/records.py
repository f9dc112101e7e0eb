"""What the catalog returns (frozen dataclasses), its errors, and JSON/id helpers."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from embedlens.errors import DataError, InvalidParameterError

RUN_KINDS = ("embedding", "projection", "clustering")
VERSIONED_PACKAGES = (
    "embedlens",
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "umap-learn",
    "openTSNE",
    "sentence-transformers",
    "torch",
)
_ID = re.compile(r"[0-9a-f]{8,64}")


class NotFoundError(DataError, LookupError):
    """No dataset, run, view or story with that id in this workspace."""


class DamagedFilesError(DataError):
    """A catalog row's files are missing or do not match their recorded size/checksum."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """One saved dataset as listed by the catalog (``missing`` when its files are gone)."""

    id: str
    name: str
    rows: int
    created: str
    size_bytes: int
    text_column: str | None
    label_column: str | None
    has_vectors: bool
    missing: bool = False


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """One embedding, projection or clustering result recorded in the run ledger."""

    id: str
    dataset_id: str
    kind: str
    params: dict
    parent: str | None
    created: str
    size_bytes: int
    versions: dict
    extra: dict
    missing: bool = False

    @property
    def seconds(self) -> float | None:
        """How long the computation took, when the caller recorded it in ``extra``."""
        value = self.extra.get("seconds")
        return float(value) if isinstance(value, (int, float)) else None


@dataclasses.dataclass(frozen=True)
class ViewInfo:
    """A saved view: a JSON-able dict the story feature replays, with a name and caption."""

    id: str
    name: str
    caption: str
    created: str
    view: dict


@dataclasses.dataclass(frozen=True)
class StoryInfo:
    """An ordered list of view ids with a title (``missing_views``: ids since deleted)."""

    id: str
    title: str
    view_ids: tuple[str, ...]
    created: str
    missing_views: tuple[str, ...] = ()


def now_iso() -> str:
    """Return the current UTC time as ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def check_id(value: Any, *, what: str) -> str:
    """Return ``value`` if it is a hex id; raise NotFoundError otherwise (never a path)."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise NotFoundError(
            f"{value!r} is not a {what} id (ids are lowercase hex strings); "
            f"list the workspace's {what}s to find the id."
        )
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, datetime)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"values of type {type(value).__name__} are not JSON-able")


def to_json(value: Any, *, what: str) -> str:
    """Serialise to JSON (numpy scalars/arrays, paths and dataclasses allowed)."""
    try:
        return json.dumps(value, default=_json_default, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{what} must be JSON-able (str, numbers, bools, None, lists, dicts): {exc}."
        ) from None


def from_json(text: str | None) -> Any:
    """Parse JSON stored by us; ``None``/empty gives ``{}``."""
    return json.loads(text) if text else {}


def _normalise(value: Any) -> Any:
    """Make equal parameters hash equally: 30 == 30.0, tuples == lists, numpy == Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else value
    if isinstance(value, int):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_normalise(v) for v in value]
    return _json_default(value)


def canonical_json(value: Any, *, what: str = "params") -> str:
    """Return the canonical JSON used in keys: sorted keys, no spaces, normalised numbers."""
    try:
        normal = _normalise(value)
        return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{what} must be JSON-able (str, numbers, bools, None, lists, dicts): {exc}."
        ) from None


def content_id(*parts: str) -> str:
    """Return a 16-hex-digit id hashing the parts (unambiguously separated)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """Return installed versions of the libraries that shape results (never imports them)."""
    versions = {}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
