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


def save_view(db: Database, name: str, view: Mapping, *, caption: str) -> str:
    """Store a view (idempotent per name and content); return its id."""
    display = check_name(name, what="view")
    if not isinstance(view, Mapping):
        raise InvalidParameterError(
            f"A view must be a dict of JSON-able values. Got {type(view).__name__} instead."
        )
    if not isinstance(caption, str):
        raise InvalidParameterError(f"The caption must be a string. Got {caption!r} instead.")
    body = to_json(dict(view), what="view")
    view_id = content_id("view", display, canonical_json(dict(view), what="view"))
    with db.write() as conn:
        conn.execute(
            "INSERT INTO views (id, name, caption, created, view) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET caption = excluded.caption",
            (view_id, display, caption, now_iso(), body),
        )
    return view_id


def list_views(db: Database) -> list[ViewInfo]:
    """List saved views, newest first."""
    rows = db.connection().execute(
        "SELECT id, name, caption, created, view FROM views ORDER BY created DESC, id"
    )
    return [_view(row) for row in rows.fetchall()]


def load_view(db: Database, root: Path, view_id: str) -> ViewInfo:
    """Return one saved view."""
    check_id(view_id, what="view")
    row = (
        db.connection()
        .execute("SELECT id, name, caption, created, view FROM views WHERE id = ?", (view_id,))
        .fetchone()
    )
    if row is None:
        raise NotFoundError(f"No view with id {view_id!r} in the workspace {root}.")
    return _view(row)


def delete_view(db: Database, root: Path, view_id: str) -> None:
    """Delete a view (stories that listed it report it in ``missing_views``)."""
    _delete(db, root, "views", check_id(view_id, what="view"), "view")


def save_story(db: Database, title: str, view_ids: Sequence[str]) -> str:
    """Store an ordered list of view ids under a title; return the story id."""
    display = check_name(title, what="story")
    if isinstance(view_ids, str) or not isinstance(view_ids, Sequence):
        raise InvalidParameterError(
            f"view_ids must be a list of view ids. Got {type(view_ids).__name__} instead."
        )
    ids = [check_id(v, what="view") for v in view_ids]
    story_id = content_id("story", display, *ids)
    with db.write() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO stories (id, title, created, view_ids) VALUES (?, ?, ?, ?)",
            (story_id, display, now_iso(), json.dumps(ids)),
        )
    return story_id


def list_stories(db: Database) -> list[StoryInfo]:
    """List stories, newest first."""
    conn = db.connection()
    with db.read():
        rows = conn.execute(
            "SELECT id, title, created, view_ids FROM stories ORDER BY created DESC, id"
        ).fetchall()
        known = {r[0] for r in conn.execute("SELECT id FROM views")}
    return [_story(row, known) for row in rows]


def load_story(db: Database, root: Path, story_id: str) -> StoryInfo:
    """Return one story; ids of views deleted since are listed in ``missing_views``."""
    check_id(story_id, what="story")
    conn = db.connection()
    with db.read():
        row = conn.execute(
            "SELECT id, title, created, view_ids FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        known = {r[0] for r in conn.execute("SELECT id FROM views")}
    if row is None:
        raise NotFoundError(f"No story with id {story_id!r} in the workspace {root}.")
    return _story(row, known)


def delete_story(db: Database, root: Path, story_id: str) -> None:
    """Delete a story (its views stay)."""
    _delete(db, root, "stories", check_id(story_id, what="story"), "story")


def _delete(db: Database, root: Path, table: str, item_id: str, what: str) -> None:
    with db.write() as conn:
        if conn.execute(f"DELETE FROM {table} WHERE id = ?", (item_id,)).rowcount == 0:
            raise NotFoundError(f"No {what} with id {item_id!r} in the workspace {root}.")


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
