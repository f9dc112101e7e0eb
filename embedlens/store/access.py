"""Who may see what in a workspace: owners, and read-only grants from share links.

Every dataset, run, view and story row has an ``owner`` (NULL for a local single user's rows).
A workspace handle carries an :class:`Access`:

- ``owner=None`` sees every row (the CLI, the Python API, ``embedlens serve`` on 127.0.0.1);
- ``owner="..."`` sees only its own rows (one browser or signed-in user on a shared server);
- ``grant`` adds ids readable, never writable, through a share link (a capability token).

Ids of owned rows hash the owner in, so two owners uploading the same file get two ids and
neither can learn of the other's copy from an id.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from embedlens.errors import InvalidParameterError
from embedlens.store.records import NotFoundError, content_id

SHARE_TOKEN_BYTES = 24  # 192 random bits: unguessable
OWNED_TABLES = ("datasets", "runs", "views", "stories")
SHARED_TABLES = ("views", "stories")


def check_owner(owner: object) -> str | None:
    """Return ``owner`` if it is None or a non-empty string of at most 200 characters."""
    if owner is None:
        return None
    if not isinstance(owner, str) or not owner.strip() or len(owner) > 200:
        raise InvalidParameterError(
            f"The owner must be None (a local single user) or a non-empty string of at most "
            f"200 characters. Got {owner!r} instead."
        )
    return owner


@dataclass(frozen=True)
class Access:
    """What one workspace handle may read and write.

    Examples
    --------
    >>> Access().where()
    ('1', ())
    >>> Access("alice").where()
    ('owner IS ?', ('alice',))
    >>> Access("bob", frozenset({"ab12cd34"})).where()
    ('(owner IS ? OR id IN (?))', ('bob', 'ab12cd34'))
    """

    owner: str | None = None
    grant: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        """True for a local single user: no filtering at all."""
        return self.owner is None and not self.grant

    def where(self, id_col: str = "id", owner_col: str = "owner") -> tuple[str, tuple]:
        """SQL condition and parameters for the rows this handle may read."""
        if self.everything:
            return "1", ()
        if not self.grant:
            return f"{owner_col} IS ?", (self.owner,)
        marks = ", ".join("?" * len(self.grant))
        return (
            f"({owner_col} IS ? OR {id_col} IN ({marks}))",
            (self.owner, *sorted(self.grant)),
        )

    def write_where(self, owner_col: str = "owner") -> tuple[str, tuple]:
        """SQL condition for rows this handle may change: its own (grants are read-only)."""
        if self.owner is None:
            return "1", ()
        return f"{owner_col} IS ?", (self.owner,)

    def owned_id(self, base_id: str, *kind: str) -> str:
        """The id of a row this owner stores: ``base_id`` itself for a local user."""
        if self.owner is None:
            return base_id
        return content_id("owned", *kind, self.owner, base_id)

    def with_grant(self, ids: Iterable[str]) -> Access:
        """The same owner, also reading ``ids`` (what a share link opens)."""
        return Access(self.owner, self.grant | frozenset(ids))


LOCAL = Access()


def new_share_token() -> str:
    """A fresh unguessable share token (URL-safe)."""
    return secrets.token_urlsafe(SHARE_TOKEN_BYTES)


def check_token(token: object) -> str:
    """Return ``token`` if it looks like a share token; NotFoundError otherwise."""
    if not isinstance(token, str) or not (16 <= len(token) <= 64) or not _urlsafe(token):
        raise NotFoundError("This share link is not valid (it may have been revoked).")
    return token


def _urlsafe(text: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def ids_in_view(view: dict) -> set[str]:
    """The dataset and run ids a saved view reads (what sharing the view must open)."""
    out = set()
    for key, value in view.items():
        if (key.endswith("_id") or key.endswith("_run")) and isinstance(value, str):
            out.add(value)
    return out
