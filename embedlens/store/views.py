"""Saved views and stories: small JSON documents kept in the catalog itself.

A view is any JSON-able dict (what the map showed: dataset, run ids, filters, camera). A story
is an ordered list of view ids with a title. Ids hash the content, so saving the same view
twice keeps one row (a new caption replaces the old one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from embedlens.errors import InvalidParameterError
from embedlens.store._sqlite import Database
from embedlens.store.access import LOCAL, Access, check_token, ids_in_view, new_share_token
from embedlens.store.datasets import check_name
from embedlens.store.records import (
    NotFoundError,
    StoryInfo,
    ViewInfo,
    canonical_json,
    check_id,
    content_id,
    now_iso,
    to_json,
)


def save_view(
    db: Database, name: str, view: Mapping, *, caption: str, access: Access = LOCAL
) -> str:
    """Store a view (idempotent per name and content); return its id."""
    display = check_name(name, what="view")
    if not isinstance(view, Mapping):
        raise InvalidParameterError(
            "The 'view' parameter of save_view must be a dict of JSON-able values. "
            f"Got {type(view).__name__} instead."
        )
    if not isinstance(caption, str):
        raise InvalidParameterError(
            f"The 'caption' parameter of save_view must be a string. Got {caption!r} instead."
        )
    body = to_json(dict(view), what="view")
    view_id = content_id("view", display, canonical_json(dict(view), what="view"))
    view_id = access.owned_id(view_id, "view")
    with db.write() as conn:
        conn.execute(
            "INSERT INTO views (id, name, caption, created, view, owner) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET caption = excluded.caption",
            (view_id, display, caption, now_iso(), body, access.owner),
        )
    return view_id


def list_views(db: Database, access: Access = LOCAL) -> list[ViewInfo]:
    """List saved views, newest first."""
    where, args = access.where()
    rows = db.connection().execute(
        f"SELECT id, name, caption, created, view FROM views WHERE {where} "
        "ORDER BY created DESC, id",
        args,
    )
    return [_view(row) for row in rows.fetchall()]


def load_view(db: Database, root: Path, view_id: str, access: Access = LOCAL) -> ViewInfo:
    """Return one saved view."""
    check_id(view_id, what="view")
    where, args = access.where()
    row = (
        db.connection()
        .execute(
            f"SELECT id, name, caption, created, view FROM views WHERE id = ? AND {where}",
            (view_id, *args),
        )
        .fetchone()
    )
    if row is None:
        raise NotFoundError(f"No view with id {view_id!r} in the workspace {root}.")
    return _view(row)


def delete_view(db: Database, root: Path, view_id: str, access: Access = LOCAL) -> None:
    """Delete a view (stories that listed it report it in ``missing_views``)."""
    _delete(db, root, "views", check_id(view_id, what="view"), "view", access)


def save_story(
    db: Database, title: str, view_ids: Sequence[str], access: Access = LOCAL
) -> str:
    """Store an ordered list of view ids under a title; return the story id."""
    display = check_name(title, what="story")
    if isinstance(view_ids, str) or not isinstance(view_ids, Sequence):
        raise InvalidParameterError(
            "The 'view_ids' parameter of save_story must be a list of view ids. "
            f"Got {type(view_ids).__name__} instead."
        )
    ids = [check_id(v, what="view") for v in view_ids]
    story_id = access.owned_id(content_id("story", display, *ids), "story")
    with db.write() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO stories (id, title, created, view_ids, owner) "
            "VALUES (?, ?, ?, ?, ?)",
            (story_id, display, now_iso(), json.dumps(ids), access.owner),
        )
    return story_id


def list_stories(db: Database, access: Access = LOCAL) -> list[StoryInfo]:
    """List stories, newest first."""
    conn = db.connection()
    where, args = access.where()
    with db.read():
        rows = conn.execute(
            f"SELECT id, title, created, view_ids FROM stories WHERE {where} "
            "ORDER BY created DESC, id",
            args,
        ).fetchall()
        known = {r[0] for r in conn.execute(f"SELECT id FROM views WHERE {where}", args)}
    return [_story(row, known) for row in rows]


def load_story(db: Database, root: Path, story_id: str, access: Access = LOCAL) -> StoryInfo:
    """Return one story; ids of views deleted since are listed in ``missing_views``."""
    check_id(story_id, what="story")
    conn = db.connection()
    where, args = access.where()
    with db.read():
        row = conn.execute(
            f"SELECT id, title, created, view_ids FROM stories WHERE id = ? AND {where}",
            (story_id, *args),
        ).fetchone()
        known = {r[0] for r in conn.execute(f"SELECT id FROM views WHERE {where}", args)}
    if row is None:
        raise NotFoundError(f"No story with id {story_id!r} in the workspace {root}.")
    return _story(row, known)


def delete_story(db: Database, root: Path, story_id: str, access: Access = LOCAL) -> None:
    """Delete a story (its views stay)."""
    _delete(db, root, "stories", check_id(story_id, what="story"), "story", access)


def _delete(
    db: Database, root: Path, table: str, item_id: str, what: str, access: Access
) -> None:
    where, args = access.write_where()
    with db.write() as conn:
        cur = conn.execute(f"DELETE FROM {table} WHERE id = ? AND {where}", (item_id, *args))
        if cur.rowcount == 0:
            raise NotFoundError(f"No {what} with id {item_id!r} in the workspace {root}.")


_TABLES = {"view": "views", "story": "stories"}


def share_token(
    db: Database, root: Path, kind: str, item_id: str, access: Access, *, create: bool
) -> str | None:
    """The read-only link token of one view or story (a new one when ``create``)."""
    table = _table(kind)
    check_id(item_id, what=kind)
    where, args = access.write_where()
    with db.write() as conn:
        row = conn.execute(
            f"SELECT share_token FROM {table} WHERE id = ? AND {where}", (item_id, *args)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No {kind} with id {item_id!r} in the workspace {root}.")
        if row[0] or not create:
            return row[0]
        token = new_share_token()
        conn.execute(f"UPDATE {table} SET share_token = ? WHERE id = ?", (token, item_id))
    return token


def revoke_share(db: Database, root: Path, kind: str, item_id: str, access: Access) -> None:
    """Revoke a view's or story's read-only link (the old link stops working at once)."""
    table = _table(kind)
    check_id(item_id, what=kind)
    where, args = access.write_where()
    with db.write() as conn:
        cur = conn.execute(
            f"UPDATE {table} SET share_token = NULL WHERE id = ? AND {where}", (item_id, *args)
        )
        if cur.rowcount == 0:
            raise NotFoundError(f"No {kind} with id {item_id!r} in the workspace {root}.")


def shared_grant(db: Database, token: str) -> tuple[str, str, frozenset[str]]:
    """What a share token opens: ``(kind, item id, every id it lets a reader see)``."""
    check_token(token)
    conn = db.connection()
    with db.read():
        found = [
            (kind, row[0])
            for kind, table in _TABLES.items()
            for row in conn.execute(f"SELECT id FROM {table} WHERE share_token = ?", (token,))
        ]
        if not found:
            raise NotFoundError("This share link is not valid (it may have been revoked).")
        kind, item_id = found[0]
        view_ids = [item_id]
        if kind == "story":
            body = conn.execute("SELECT view_ids FROM stories WHERE id = ?", (item_id,)).fetchone()
            view_ids = json.loads(body[0])
        grant = {item_id, *view_ids}
        marks = ", ".join("?" * len(view_ids))
        for (body,) in conn.execute(f"SELECT view FROM views WHERE id IN ({marks})", view_ids):
            grant |= ids_in_view(json.loads(body))
    return kind, item_id, frozenset(grant)


def _table(kind: str) -> str:
    if kind not in _TABLES:
        raise InvalidParameterError(
            f"Only views and stories can be shared. Got kind={kind!r}; use 'view' or 'story'."
        )
    return _TABLES[kind]


def _view(row: tuple) -> ViewInfo:
    view_id, name, caption, created, body = row
    return ViewInfo(id=view_id, name=name, caption=caption, created=created, view=json.loads(body))


def _story(row: tuple, known: set[str]) -> StoryInfo:
    story_id, title, created, body = row
    ids = tuple(json.loads(body))
    return StoryInfo(
        id=story_id,
        title=title,
        view_ids=ids,
        created=created,
        missing_views=tuple(v for v in ids if v not in known),
    )
