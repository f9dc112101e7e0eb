"""The workspace folder: catalog, datasets, run ledger, views and stories.

Layout::

    <root>/catalog.sqlite          the catalog (SQLite, WAL): one row per dataset/run/view/story
    <root>/embeddings.sqlite       the embedding cache (see embedlens.store.cache)
    <root>/datasets/<id>/...       frame.parquet, ids.parquet, vectors.npy, meta.json
    <root>/runs/<id>/<name>.npy    arrays of one run, plus run.json
    <root>/tmp/                    staging folders (renamed into place when complete)

Folder names are hex ids, never display names. Files are written completely in a staging
folder, renamed into place and only then recorded in the catalog, so a reader never sees a
half-written file as good; each row keeps the size and sha256 of its files to catch damage.
"""

from __future__ import annotations

import copy
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlens.dataset import Dataset
from embedlens.errors import DataError
from embedlens.store import datasets as _ds
from embedlens.store import runs as _runs
from embedlens.store import views as _views
from embedlens.store._sqlite import Database
from embedlens.store.access import LOCAL, Access, check_owner
from embedlens.store.cache import EmbeddingCache
from embedlens.store.files import TMP_DIR, check_files, clean_tmp, move_aside, remove_tree
from embedlens.store.records import DatasetInfo, RunInfo, StoryInfo, ViewInfo, from_json

SCHEMA_VERSION = 2  # 2: owner on every row, share tokens on views and stories
STALE_TMP_S = 3600.0

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS datasets (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, rows INTEGER NOT NULL, created TEXT NOT NULL,
        size_bytes INTEGER NOT NULL, text_column TEXT, label_column TEXT,
        has_vectors INTEGER NOT NULL, files TEXT NOT NULL, meta TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL,
        parent TEXT, created TEXT NOT NULL, size_bytes INTEGER NOT NULL, versions TEXT NOT NULL,
        extra TEXT NOT NULL, files TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS runs_dataset ON runs (dataset_id)",
    "CREATE INDEX IF NOT EXISTS runs_parent ON runs (parent)",
    """CREATE TABLE IF NOT EXISTS views (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, caption TEXT NOT NULL, created TEXT NOT NULL,
        view TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS stories (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, created TEXT NOT NULL,
        view_ids TEXT NOT NULL)""",
)
# Added by schema 2 (ALTER TABLE on older catalogs; NULL owner: a local single user's rows).
_COLUMNS_V2 = {
    "datasets": ("owner TEXT",),
    "runs": ("owner TEXT",),
    "views": ("owner TEXT", "share_token TEXT"),
    "stories": ("owner TEXT", "share_token TEXT"),
}
_INDEXES_V2 = (
    "CREATE INDEX IF NOT EXISTS datasets_owner ON datasets (owner)",
    "CREATE INDEX IF NOT EXISTS runs_owner ON runs (owner)",
    "CREATE INDEX IF NOT EXISTS views_owner ON views (owner)",
    "CREATE INDEX IF NOT EXISTS stories_owner ON stories (owner)",
    "CREATE UNIQUE INDEX IF NOT EXISTS views_share ON views (share_token)",
    "CREATE UNIQUE INDEX IF NOT EXISTS stories_share ON stories (share_token)",
)


def default_home() -> Path:
    """Return the workspace folder: ``$EMBEDLENS_HOME`` when set, else ``~/.embedlens``."""
    env = os.environ.get("EMBEDLENS_HOME", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".embedlens"


def _init_schema(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise DataError(
            f"This workspace was written by a newer embedlens (catalog schema {version}, this "
            f"version reads {SCHEMA_VERSION}); upgrade embedlens or use another workspace."
        )
    for statement in _SCHEMA:
        conn.execute(statement)
    for table, columns in _COLUMNS_V2.items():  # migrate schema 1 (or create fresh)
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    for statement in _INDEXES_V2:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class Workspace:
    """A thin handle on a workspace folder; all state lives on disk.

    Safe to share between threads (each gets its own SQLite connection) and to open from
    several processes at once (app sessions and the CLI).

    Parameters
    ----------
    root : str or Path, optional
        The folder; :func:`default_home` when omitted. Created with its schema if needed.
    owner : str, optional
        Whose rows this handle sees and writes (one browser or signed-in user on a shared
        server). None (the default): a local single user, who sees the whole workspace.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> ws.list_datasets()
    []
    >>> ws.for_owner("alice").owner
    'alice'
    """

    def __init__(self, root: str | Path | None = None, *, owner: str | None = None) -> None:
        self._access = Access(check_owner(owner))
        self.root = Path(root).expanduser() if root is not None else default_home()
        try:
            for sub in ("", _ds.DATASETS_DIR, _runs.RUNS_DIR, TMP_DIR):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(
                f"Cannot create the workspace folder {self.root}: {exc}. Choose a writable "
                "folder with --workspace or EMBEDLENS_HOME."
            ) from None
        self._db = Database(self.root / "catalog.sqlite", synchronous="FULL", init=_init_schema)
        try:  # leftovers of writes killed an hour ago or more (kill -9, power loss)
            self.cleanup(older_than_s=STALE_TMP_S)
        except DataError:  # the catalog is busy for long: tidy up on the next open
            pass

    def __repr__(self) -> str:
        if self.owner is None:
            return f"Workspace({str(self.root)!r})"
        return f"Workspace({str(self.root)!r}, owner=...)"

    def __reduce__(self) -> tuple:
        if self._access.everything:
            return (Workspace, (str(self.root),))
        return (_rebuild, (str(self.root), self._access))

    # owners and share links ---------------------------------------------------------------
    @property
    def owner(self) -> str | None:
        """Whose rows this handle sees (None: everything, a local single user)."""
        return self._access.owner

    def for_owner(self, owner: str | None) -> Workspace:
        """A handle on the same folder that sees and writes only ``owner``'s rows."""
        return self._with(Access(check_owner(owner)))

    def share(self, kind: str, item_id: str) -> str:
        """A read-only link token for one of this owner's views or stories (kept until revoked).

        ``kind`` is ``"view"`` or ``"story"``. Calling again returns the same token.
        """
        return _views.share_token(self._db, self.root, kind, item_id, self._access, create=True)

    def share_token(self, kind: str, item_id: str) -> str | None:
        """The current link token of a view or story, None when it is not shared."""
        return _views.share_token(self._db, self.root, kind, item_id, self._access, create=False)

    def revoke_share(self, kind: str, item_id: str) -> None:
        """Stop a view's or story's link from working (a new share makes a new token)."""
        _views.revoke_share(self._db, self.root, kind, item_id, self._access)

    def open_share(self, token: str) -> SharedItem:
        """What a share link opens: the item and a handle that can also read its data.

        Raises NotFoundError for an unknown or revoked token. The handle reads the view(s),
        their dataset and runs, nothing else of the sharer's; it cannot change them.
        """
        kind, item_id, grant = _views.shared_grant(self._db, token)
        return SharedItem(kind, item_id, self._with(self._access.with_grant(grant)))

    def _with(self, access: Access) -> Workspace:
        other = copy.copy(self)
        other._access = access
        return other

    # datasets -----------------------------------------------------------------------------
    def save_dataset(self, ds: Dataset, *, name: str | None = None) -> str:
        """Store a dataset; return its id (its content fingerprint: no second copy)."""
        return _ds.save_dataset(self._db, self.root, ds, name=name, access=self._access)

    def load_dataset(self, dataset_id: str) -> Dataset:
        """Read a dataset back (DamagedFilesError when its files are missing or damaged)."""
        return _ds.load_dataset(self._db, self.root, dataset_id, self._access)

    def list_datasets(self) -> list[DatasetInfo]:
        """List saved datasets, newest first."""
        return _ds.list_datasets(self._db, self.root, self._access)

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset with all its runs and files."""
        _ds.delete_dataset(self._db, self.root, dataset_id, self._access)

    def rename_dataset(self, dataset_id: str, name: str) -> None:
        """Change a dataset's display name."""
        _ds.rename_dataset(self._db, self.root, dataset_id, name, self._access)

    # runs ---------------------------------------------------------------------------------
    def save_run(
        self,
        dataset_id: str,
        kind: str,
        params: dict,
        arrays: dict[str, np.ndarray],
        *,
        parent: str | None = None,
        extra: dict | None = None,
    ) -> str:
        """Record an embedding, projection or clustering result; return its run id.

        Parameters
        ----------
        dataset_id : str
            A saved dataset's id.
        kind : {"embedding", "projection", "clustering"}
            What the run computed.
        params : dict
            JSON-able parameters (method, model, ...); they, ``kind``, ``dataset_id`` and
            ``parent`` make the run id. Saving the same key again keeps the first result.
        arrays : dict of str to numpy.ndarray
            The results, stored as ``<name>.npy``; names are letters, digits, ``_-.``.
        parent : str, optional
            The run this one was computed from (a projection's embedding run).
        extra : dict, optional
            JSON-able facts that are not inputs, e.g. ``{"seconds": 12.3}``.

        Returns
        -------
        str
            The run id.
        """
        return _runs.save_run(
            self._db,
            self.root,
            dataset_id,
            kind,
            params,
            arrays,
            parent=parent,
            extra=extra,
            access=self._access,
        )

    def find_run(
        self, dataset_id: str, kind: str, params: dict, *, parent: str | None = None
    ) -> RunInfo | None:
        """Return the stored run of this computation, or None when it must be computed."""
        return _runs.find_run(
            self._db, self.root, dataset_id, kind, params, parent=parent, access=self._access
        )

    def load_run(self, run_id: str) -> tuple[RunInfo, dict[str, np.ndarray]]:
        """Return a run's record and its arrays."""
        return _runs.load_run(self._db, self.root, run_id, self._access)

    def list_runs(self, dataset_id: str | None = None) -> list[RunInfo]:
        """List runs of one dataset (or all), newest first."""
        return _runs.list_runs(self._db, self.root, dataset_id, self._access)

    def delete_run(self, run_id: str) -> None:
        """Delete a run and the runs computed from it."""
        _runs.delete_run(self._db, self.root, run_id, self._access)

    # views and stories --------------------------------------------------------------------
    def save_view(self, name: str, view: dict, *, caption: str = "") -> str:
        """Save a JSON-able view under a name; return its id."""
        return _views.save_view(self._db, name, view, caption=caption, access=self._access)

    def list_views(self) -> list[ViewInfo]:
        """List saved views, newest first."""
        return _views.list_views(self._db, self._access)

    def load_view(self, view_id: str) -> ViewInfo:
        """Return one saved view."""
        return _views.load_view(self._db, self.root, view_id, self._access)

    def delete_view(self, view_id: str) -> None:
        """Delete a saved view."""
        _views.delete_view(self._db, self.root, view_id, self._access)

    def save_story(self, title: str, view_ids: list[str]) -> str:
        """Save an ordered list of view ids under a title; return its id."""
        return _views.save_story(self._db, title, view_ids, self._access)

    def list_stories(self) -> list[StoryInfo]:
        """List stories, newest first."""
        return _views.list_stories(self._db, self._access)

    def load_story(self, story_id: str) -> StoryInfo:
        """Return one story."""
        return _views.load_story(self._db, self.root, story_id, self._access)

    def delete_story(self, story_id: str) -> None:
        """Delete a story (not its views)."""
        _views.delete_story(self._db, self.root, story_id, self._access)

    # housekeeping -------------------------------------------------------------------------
    def embedding_cache(self) -> EmbeddingCache:
        """Return the workspace's embedding cache (``<root>/embeddings.sqlite``)."""
        return EmbeddingCache(self.root / "embeddings.sqlite")

    def disk_usage(self) -> int:
        """Return the bytes used by every file under the workspace folder."""
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                try:
                    total += os.stat(os.path.join(dirpath, name)).st_size
                except OSError:
                    continue
        return total

    def check(self, *, deep: bool = True) -> list[str]:
        """Return one line per problem found (empty when healthy).

        Runs SQLite's integrity check on the catalog and the embedding cache, then checks
        every dataset's and run's files (sizes; also sha256 when ``deep``).
        """
        problems = [f"catalog: {line}" for line in self._db.integrity_check() if line != "ok"]
        cache = self.root / "embeddings.sqlite"
        if cache.exists():
            lines = EmbeddingCache(cache).integrity_check()
            problems += [f"embedding cache: {line}" for line in lines if line != "ok"]
        with self._db.read() as conn:
            rows = [
                ("dataset", _ds.DATASETS_DIR, *r)
                for r in conn.execute("SELECT id, files FROM datasets")
            ]
            rows += [
                ("run", _runs.RUNS_DIR, *r) for r in conn.execute("SELECT id, files FROM runs")
            ]
        for what, sub, item_id, files in rows:
            for line in check_files(self.root / sub / item_id, from_json(files), deep=deep):
                problems.append(f"{what} {item_id}: {line}")
        return problems

    def cleanup(self, *, older_than_s: float = 3600.0) -> int:
        """Remove leftovers of interrupted writes older than ``older_than_s``; return a count.

        Staging folders in ``tmp/`` and result folders that no catalog row names (a crash
        between the rename and the commit) are removed. Orphans are moved aside under the
        catalog's write lock, so a writer publishing at the same moment is never touched.
        """
        removed = clean_tmp(self.root, older_than_s=older_than_s)
        now = time.time()
        moved = []
        with self._db.write() as conn:
            known = {r[0] for r in conn.execute("SELECT id FROM datasets")}
            known |= {r[0] for r in conn.execute("SELECT id FROM runs")}
            for sub in (_ds.DATASETS_DIR, _runs.RUNS_DIR):
                for entry in (self.root / sub).iterdir():
                    try:
                        stale = now - entry.stat().st_mtime >= older_than_s
                    except OSError:
                        continue
                    if entry.name not in known and stale:
                        moved.append(move_aside(entry, self.root))
        for path in moved:
            remove_tree(path)
        return removed + len(moved)

    def close(self) -> None:
        """Close this thread's catalog connection (others reopen lazily)."""
        self._db.close()


@dataclass(frozen=True)
class SharedItem:
    """A view or story opened through its read-only link.

    ``workspace`` reads the item, its views, datasets and runs (and the reader's own rows).
    """

    kind: str
    id: str
    workspace: Workspace


def _rebuild(root: str, access: Access) -> Workspace:
    ws = Workspace(root)
    return ws._with(access) if access != LOCAL else ws
