"""Datasets in the workspace: ``<root>/datasets/<dataset_id>/`` plus one catalog row each.

Files: ``frame.parquet`` (the table), ``ids.parquet`` (row ids), ``vectors.npy`` (optional)
and ``meta.json`` (chosen columns and the load report). The id is the dataset's content
fingerprint, so saving the same content twice keeps one copy.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from embedlens.cells import as_texts
from embedlens.dataset import Dataset, LoadReport
from embedlens.errors import DataError, InvalidParameterError
from embedlens.store._sqlite import Database
from embedlens.store.access import LOCAL, Access
from embedlens.store.files import (
    atomic_save_npy,
    atomic_write_bytes,
    atomic_write_parquet,
    check_files,
    file_stamp,
    move_aside,
    new_staging,
    publish_dir,
    remove_tree,
)
from embedlens.store.records import (
    DamagedFilesError,
    DatasetInfo,
    NotFoundError,
    check_id,
    from_json,
    now_iso,
    to_json,
)

DATASETS_DIR = "datasets"
FORMAT = 1
_READ_ERRORS = (OSError, ValueError, TypeError, KeyError, pa.ArrowException)


def check_name(name: object, *, what: str) -> str:
    """Return a display name stripped of surrounding spaces, or raise InvalidParameterError."""
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InvalidParameterError(
            f"The {what} name must be a non-empty string of at most 200 characters. "
            f"Got {name!r} instead."
        )
    return name.strip()


def save_dataset(
    db: Database, root: Path, ds: Dataset, *, name: str | None, access: Access = LOCAL
) -> str:
    """Store a dataset unless the same content is already stored intact; return its id.

    The id is the content fingerprint; for an owner it also hashes the owner in.
    """
    if not isinstance(ds, Dataset):
        raise InvalidParameterError(
            "The 'ds' parameter of save_dataset must be an embedlens Dataset. "
            f"Got {type(ds).__name__} instead."
        )
    display = check_name(ds.name if name is None else name, what="dataset")
    dataset_id = access.owned_id(ds.fingerprint(), "dataset")
    final = root / DATASETS_DIR / dataset_id
    seen = _files_json(db, dataset_id)
    if seen is not None and not check_files(final, from_json(seen), deep=True):
        return dataset_id
    staging = new_staging(root)
    old = None
    try:
        manifest, meta = _write_files(ds, staging, display)
        size = sum(f["size"] for f in manifest.values())
        with db.write() as conn:
            row = conn.execute("SELECT files FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
            if row is not None and row[0] != seen:
                return dataset_id  # another writer stored it since we looked
            old = publish_dir(staging, final, root)
            conn.execute(
                "INSERT INTO datasets (id, name, rows, created, size_bytes, text_column, "
                "label_column, has_vectors, files, meta, owner) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET size_bytes = excluded.size_bytes, "
                "files = excluded.files, meta = excluded.meta",
                (
                    dataset_id,
                    display,
                    len(ds),
                    meta["created"],
                    size,
                    ds.text_column,
                    ds.label_column,
                    int(ds.vectors is not None),
                    json.dumps(manifest, sort_keys=True),
                    to_json(meta, what="dataset metadata"),
                    access.owner,
                ),
            )
    finally:
        remove_tree(staging)
        remove_tree(old)
    return dataset_id


def load_dataset(db: Database, root: Path, dataset_id: str, access: Access = LOCAL) -> Dataset:
    """Read a stored dataset back, checking every file against its recorded checksum."""
    check_id(dataset_id, what="dataset")
    where, args = access.where()
    row = (
        db.connection()
        .execute(
            f"SELECT name, files FROM datasets WHERE id = ? AND {where}", (dataset_id, *args)
        )
        .fetchone()
    )
    if row is None:
        raise NotFoundError(_not_found(dataset_id, root))
    name, files = row
    folder = root / DATASETS_DIR / dataset_id
    problems = check_files(folder, from_json(files), deep=True)
    if problems:
        raise DamagedFilesError(_damaged(dataset_id, name, folder, problems))
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        frame = pd.read_parquet(folder / "frame.parquet", engine="pyarrow")
        ids = _ids_from_frame(pd.read_parquet(folder / "ids.parquet", engine="pyarrow"), meta)
        vectors = None
        if (folder / "vectors.npy").exists():
            vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        return Dataset(
            name=name,
            frame=frame,
            ids=ids,
            text_column=meta.get("text_column"),
            label_column=meta.get("label_column"),
            vector_column=meta.get("vector_column"),
            vectors=vectors,
            report=_report_from_dict(meta.get("report")),
        )
    except _READ_ERRORS as exc:
        raise DamagedFilesError(_damaged(dataset_id, name, folder, [str(exc)])) from None


def list_datasets(db: Database, root: Path, access: Access = LOCAL) -> list[DatasetInfo]:
    """List stored datasets, newest first; ``missing`` flags rows whose files are gone."""
    where, args = access.where()
    rows = (
        db.connection()
        .execute(
            "SELECT id, name, rows, created, size_bytes, text_column, label_column, has_vectors, "
            f"files FROM datasets WHERE {where} ORDER BY created DESC, id",
            args,
        )
        .fetchall()
    )
    out = []
    for *fields, files in rows:
        missing = bool(check_files(root / DATASETS_DIR / fields[0], from_json(files), deep=False))
        fields[7] = bool(fields[7])
        out.append(DatasetInfo(*fields, missing=missing))
    return out


def delete_dataset(db: Database, root: Path, dataset_id: str, access: Access = LOCAL) -> None:
    """Delete a dataset's row, its runs' rows and all their files."""
    check_id(dataset_id, what="dataset")
    where, args = access.write_where()
    moved = []
    try:
        with db.write() as conn:
            found = conn.execute(
                f"SELECT 1 FROM datasets WHERE id = ? AND {where}", (dataset_id, *args)
            ).fetchone()
            if found is None:
                raise NotFoundError(_not_found(dataset_id, root))
            run_ids = [
                r[0]
                for r in conn.execute("SELECT id FROM runs WHERE dataset_id = ?", (dataset_id,))
            ]
            conn.execute("DELETE FROM runs WHERE dataset_id = ?", (dataset_id,))
            conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))
            for run_id in run_ids:
                moved.append(move_aside(root / "runs" / run_id, root))
            moved.append(move_aside(root / DATASETS_DIR / dataset_id, root))
    finally:
        for path in moved:
            remove_tree(path)


def rename_dataset(
    db: Database, root: Path, dataset_id: str, name: str, access: Access = LOCAL
) -> None:
    """Change a dataset's display name (names live only in the catalog, never in paths)."""
    check_id(dataset_id, what="dataset")
    display = check_name(name, what="dataset")
    where, args = access.write_where()
    with db.write() as conn:
        cur = conn.execute(
            f"UPDATE datasets SET name = ? WHERE id = ? AND {where}", (display, dataset_id, *args)
        )
        if cur.rowcount == 0:
            raise NotFoundError(_not_found(dataset_id, root))


def _files_json(db: Database, dataset_id: str) -> str | None:
    row = (
        db.connection().execute("SELECT files FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
    )
    return None if row is None else row[0]


def _write_files(ds: Dataset, folder: Path, display: str) -> tuple[dict, dict]:
    frame = ds.frame.reset_index(drop=True)
    bad = [c for c in frame.columns if not isinstance(c, str)]
    if bad or frame.columns.duplicated().any():
        raise DataError(
            f"Dataset {display!r} cannot be saved: column names must be unique strings "
            f"(got {list(frame.columns)!r}); rename the columns and save again."
        )
    frame, coerced = _write_parquet_lenient(frame, folder / "frame.parquet")
    ids = np.asarray(ds.ids)
    _write_parquet_lenient(pd.DataFrame({"id": ids}), folder / "ids.parquet")
    if ds.vectors is not None:
        vectors = np.ascontiguousarray(ds.vectors)
        if vectors.dtype.hasobject or not np.issubdtype(vectors.dtype, np.number):
            raise DataError(f"Dataset {display!r}: vectors must be numeric, got {vectors.dtype}.")
        atomic_save_npy(vectors, folder / "vectors.npy")
    report = ds.report
    meta = {
        "format": FORMAT,
        "name": display,
        "created": now_iso(),
        "rows": len(ds),
        "columns": list(frame.columns),
        "text_column": ds.text_column,
        "label_column": ds.label_column,
        "vector_column": ds.vector_column,
        "ids_dtype": ids.dtype.str,
        "coerced_to_text": coerced,
        "report": None if report is None else dataclasses.asdict(report),
        "report_summary": None if report is None else report.summary(),
    }
    atomic_write_bytes(
        folder / "meta.json",
        to_json(meta, what="dataset metadata").encode("utf-8"),
    )
    manifest = {p.name: file_stamp(p) for p in sorted(folder.iterdir())}
    return manifest, meta


def _write_parquet_lenient(frame: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Write Parquet; object columns of mixed types that Arrow refuses are stored as text."""
    try:
        atomic_write_parquet(frame, path)
        return frame, []
    except (pa.ArrowException, ValueError, TypeError):
        coerced = [c for c in frame.columns if frame[c].dtype == object]
        if not coerced:
            raise
    frame = frame.copy()
    for col in coerced:
        frame[col] = pd.Series(as_texts(frame[col], missing=None), index=frame.index, dtype="str")
    atomic_write_parquet(frame, path)
    return frame, coerced


def _ids_from_frame(frame: pd.DataFrame, meta: dict) -> np.ndarray:
    col = frame["id"]
    kind = str(meta.get("ids_dtype", ""))[1:2]
    if kind in ("i", "u", "f", "b"):
        return col.to_numpy(dtype=np.dtype(meta["ids_dtype"]))
    if kind == "U":
        return np.asarray(col.tolist(), dtype=str)
    return np.asarray(col.tolist(), dtype=object)


def _report_from_dict(data: object) -> LoadReport | None:
    if not isinstance(data, dict):
        return None
    known = {f.name for f in dataclasses.fields(LoadReport)}
    kwargs = {k: v for k, v in data.items() if k in known}  # readers ignore unknown keys
    if "notes" in kwargs:
        kwargs["notes"] = tuple(kwargs["notes"])
    try:
        return LoadReport(**kwargs)
    except TypeError:
        return None


def _not_found(dataset_id: str, root: Path) -> str:
    return (
        f"No dataset with id {dataset_id!r} in the workspace {root}; "
        "list_datasets() (or `embedlens workspace list`) shows the saved ones."
    )


def _damaged(dataset_id: str, name: str, folder: Path, problems: list[str]) -> str:
    return (
        f"Dataset {name!r} ({dataset_id}) in {folder} cannot be read: {'; '.join(problems)}. "
        "Load the source file again and save it (that repairs it), or delete the dataset."
    )
