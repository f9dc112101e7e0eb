"""The run ledger: embeddings, projections and clusterings with everything that made them.

Each run lives in ``<root>/runs/<run_id>/`` (one ``<name>.npy`` per array plus ``run.json``)
and one catalog row. ``run_id`` hashes the dataset id, the kind, the canonical JSON of the
parameters and the parent run, so the same computation is found instead of redone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from embedlens.errors import InvalidParameterError
from embedlens.store._sqlite import Database
from embedlens.store.access import LOCAL, Access
from embedlens.store.files import (
    atomic_save_npy,
    atomic_write_bytes,
    check_files,
    file_stamp,
    is_safe_file_name,
    move_aside,
    new_staging,
    publish_dir,
    remove_tree,
)
from embedlens.store.records import (
    RUN_KINDS,
    DamagedFilesError,
    NotFoundError,
    RunInfo,
    canonical_json,
    check_id,
    content_id,
    from_json,
    library_versions,
    now_iso,
    to_json,
)
from embedlens.validation import check_choice

RUNS_DIR = "runs"
_COLUMNS = "id, dataset_id, kind, params, parent, created, size_bytes, versions, extra, files"


def run_key(dataset_id: str, kind: str, params: Mapping, parent: str | None) -> str:
    """Return the run id of a computation (equal parameters give equal ids)."""
    return content_id(dataset_id, kind, canonical_json(params), parent or "")


def save_run(
    db: Database,
    root: Path,
    dataset_id: str,
    kind: str,
    params: Mapping,
    arrays: Mapping[str, np.ndarray],
    *,
    parent: str | None,
    extra: Mapping | None,
    access: Access = LOCAL,
) -> str:
    """Record a result unless the same run is already stored intact; return its id.

    The run belongs to its dataset's owner; an owner may record runs only on its datasets.
    """
    check_id(dataset_id, what="dataset")
    check_choice("kind", kind, RUN_KINDS, owner="Workspace.save_run")
    if parent is not None:
        check_id(parent, what="run")
    if not isinstance(params, Mapping):
        raise InvalidParameterError(
            f"The 'params' parameter of Workspace.save_run must be a dict. "
            f"Got {type(params).__name__} instead."
        )
    run_id = run_key(dataset_id, kind, params, parent)
    clean = _check_arrays(arrays)
    final = root / RUNS_DIR / run_id
    seen = _files_json(db, run_id)
    if seen is not None and not check_files(final, from_json(seen), deep=True):
        return run_id
    record = {
        "format": 1,
        "id": run_id,
        "dataset_id": dataset_id,
        "kind": kind,
        "params": json.loads(to_json(dict(params), what="params")),
        "parent": parent,
        "created": now_iso(),
        "versions": library_versions(),
        "extra": json.loads(to_json(dict(extra or {}), what="extra")),
        "arrays": {k: {"shape": list(v.shape), "dtype": v.dtype.str} for k, v in clean.items()},
    }
    staging = new_staging(root)
    old = None
    try:
        for name, arr in clean.items():
            atomic_save_npy(arr, staging / f"{name}.npy")
        atomic_write_bytes(staging / "run.json", to_json(record, what="run").encode("utf-8"))
        manifest = {p.name: file_stamp(p) for p in sorted(staging.iterdir())}
        size = sum(f["size"] for f in manifest.values())
        with db.write() as conn:
            row = conn.execute("SELECT files FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is not None and row[0] != seen:
                return run_id  # another writer stored it since we looked
            owner = _check_owner_rows(conn, root, dataset_id, parent, access)
            old = publish_dir(staging, final, root)
            conn.execute(
                f"INSERT OR REPLACE INTO runs ({_COLUMNS}, owner) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    dataset_id,
                    kind,
                    json.dumps(record["params"], sort_keys=True, ensure_ascii=False),
                    parent,
                    record["created"],
                    size,
                    json.dumps(record["versions"], sort_keys=True),
                    json.dumps(record["extra"], sort_keys=True, ensure_ascii=False),
                    json.dumps(manifest, sort_keys=True),
                    owner,
                ),
            )
    finally:
        remove_tree(staging)
        remove_tree(old)
    return run_id


def find_run(
    db: Database,
    root: Path,
    dataset_id: str,
    kind: str,
    params: Mapping,
    *,
    parent: str | None,
    access: Access = LOCAL,
) -> RunInfo | None:
    """Return the stored run of this computation, or None (also when its files are gone)."""
    run_id = run_key(dataset_id, kind, params, parent)
    row = _row(db, run_id, access)
    if row is None:
        return None
    info = _info(row, root)
    return None if info.missing else info


def load_run(
    db: Database, root: Path, run_id: str, access: Access = LOCAL
) -> tuple[RunInfo, dict[str, np.ndarray]]:
    """Return a run's record and arrays, checking each file against its checksum."""
    check_id(run_id, what="run")
    row = _row(db, run_id, access)
    if row is None:
        raise NotFoundError(_not_found(run_id, root))
    info = _info(row, root)
    folder = root / RUNS_DIR / run_id
    manifest = from_json(row[-1])
    problems = check_files(folder, manifest, deep=True)
    arrays = {}
    if not problems:
        try:
            for fname in manifest:
                if fname.endswith(".npy"):
                    arrays[fname[:-4]] = np.load(folder / fname, allow_pickle=False)
        except (OSError, ValueError) as exc:
            problems.append(str(exc))
    if problems:
        raise DamagedFilesError(
            f"The {info.kind} run {run_id} in {folder} cannot be read: {'; '.join(problems)}. "
            "Compute it again (saving it repairs the entry) or delete the run."
        )
    return info, arrays


def list_runs(
    db: Database, root: Path, dataset_id: str | None, access: Access = LOCAL
) -> list[RunInfo]:
    """List runs (of one dataset, or all), newest first; ``missing`` flags lost files."""
    conn = db.connection()
    where, args = access.where()
    query = f"SELECT {_COLUMNS} FROM runs WHERE {where}"
    if dataset_id is None:
        rows = conn.execute(query + " ORDER BY created DESC, id", args).fetchall()
    else:
        check_id(dataset_id, what="dataset")
        rows = conn.execute(
            query + " AND dataset_id = ? ORDER BY created DESC, id", (*args, dataset_id)
        ).fetchall()
    return [_info(row, root) for row in rows]


def delete_run(db: Database, root: Path, run_id: str, access: Access = LOCAL) -> None:
    """Delete a run and, recursively, the runs made from it."""
    check_id(run_id, what="run")
    where, args = access.write_where()
    moved = []
    try:
        with db.write() as conn:
            found = conn.execute(
                f"SELECT 1 FROM runs WHERE id = ? AND {where}", (run_id, *args)
            ).fetchone()
            if found is None:
                raise NotFoundError(_not_found(run_id, root))
            ids = [
                r[0]
                for r in conn.execute(
                    "WITH RECURSIVE sub(id) AS (SELECT ? UNION "
                    "SELECT runs.id FROM runs JOIN sub ON runs.parent = sub.id) SELECT id FROM sub",
                    (run_id,),
                )
            ]
            conn.executemany("DELETE FROM runs WHERE id = ?", [(i,) for i in ids])
            moved = [move_aside(root / RUNS_DIR / i, root) for i in ids]
    finally:
        for path in moved:
            remove_tree(path)


def _check_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not isinstance(arrays, Mapping):
        raise InvalidParameterError(
            "The 'arrays' parameter of Workspace.save_run must be a dict of name -> array. "
            f"Got {type(arrays).__name__} instead."
        )
    clean = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not is_safe_file_name(f"{name}.npy") or name == "run":
            raise InvalidParameterError(
                f"Array name {name!r} is not allowed: use letters, digits, '_', '-' and '.' "
                "(at most 76 characters, no '..', not 'run')."
            )
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            if not all(isinstance(v, str) for v in arr.ravel().tolist()):
                raise InvalidParameterError(
                    f"Array {name!r} has dtype object; store numbers, or strings "
                    "(convert with arr.astype(str)). Objects would need pickle."
                )
            arr = arr.astype(str)
        clean[name] = np.ascontiguousarray(arr)
    return clean


def _row(db: Database, run_id: str, access: Access) -> tuple | None:
    where, args = access.where()
    return (
        db.connection()
        .execute(f"SELECT {_COLUMNS} FROM runs WHERE id = ? AND {where}", (run_id, *args))
        .fetchone()
    )


def _check_owner_rows(
    conn, root: Path, dataset_id: str, parent: str | None, access: Access
) -> str | None:
    """Check the dataset (writable by ``access``) and the parent; return the dataset's owner."""
    where, args = access.write_where()
    found = conn.execute(
        f"SELECT owner FROM datasets WHERE id = ? AND {where}", (dataset_id, *args)
    ).fetchone()
    if found is None:
        raise NotFoundError(
            f"No dataset with id {dataset_id!r} in the workspace {root}; save the dataset "
            "(Workspace.save_dataset) before recording runs on it."
        )
    if parent is not None:
        row = conn.execute("SELECT dataset_id FROM runs WHERE id = ?", (parent,)).fetchone()
        if row is None:
            raise NotFoundError(
                f"The parent run {parent!r} is not in the workspace {root}; save it first."
            )
        if row[0] != dataset_id:
            raise InvalidParameterError(
                f"The parent run {parent!r} belongs to dataset {row[0]!r}, not {dataset_id!r}; "
                "a run's parent must come from the same dataset."
            )
    return found[0]


def _files_json(db: Database, run_id: str) -> str | None:
    row = db.connection().execute("SELECT files FROM runs WHERE id = ?", (run_id,)).fetchone()
    return None if row is None else row[0]


def _info(row: tuple, root: Path) -> RunInfo:
    run_id, dataset_id, kind, params, parent, created, size, versions, extra, files = row
    missing = bool(check_files(root / RUNS_DIR / run_id, from_json(files), deep=False))
    return RunInfo(
        id=run_id,
        dataset_id=dataset_id,
        kind=kind,
        params=from_json(params),
        parent=parent,
        created=created,
        size_bytes=size,
        versions=from_json(versions),
        extra=from_json(extra),
        missing=missing,
    )


def _not_found(run_id: str, root: Path) -> str:
    return (
        f"No run with id {run_id!r} in the workspace {root}; "
        "list_runs() (or `embedlens workspace list`) shows the saved ones."
    )
