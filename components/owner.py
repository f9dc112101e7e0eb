"""Who is using the app: the owner of what a session saves and sees.

- **Local single user** (the server listens on 127.0.0.1/localhost, the default): no owner,
  the whole workspace as before.
- **Shared server** (``EMBEDLENS_SHARED=1``, or a bind address other than loopback, or OIDC
  login configured in ``.streamlit/secrets.toml``): with login, the signed-in user
  (``st.login``); without, the browser: a random 256-bit token kept in a cookie, so a refresh
  or a new tab keeps your work and another browser never sees it.
- **Share links**: ``?share=<token>`` opens one view or story read-only (see
  :meth:`embedlens.store.Workspace.open_share`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets

import streamlit as st

from components import state
from embedlens.errors import EmbedlensError
from embedlens.i18n import _
from embedlens.store import Workspace

COOKIE = "embedlens_owner"
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days
SHARED_ENV = "EMBEDLENS_SHARED"  # "1": shared server, "0": local single user; unset: by address
TOKEN_KEY = "owner.token"  # this browser's token (session state)
COOKIE_SET_KEY = "owner.cookie_written"
SHARE_KEY = "owner.share"  # the share token this session opened, if any
SHARE_INFO_KEY = "owner.share_info"  # (kind, id) it opened
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def auth_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (OIDC login)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, OSError, ValueError):
        return False
    except Exception:  # noqa: BLE001  (a secrets file Streamlit cannot parse: no login)
        return False


def shared_server() -> bool:
    """True on a shared server: owners apply. False for a local single user."""
    env = os.environ.get(SHARED_ENV, "").strip().lower()
    if env in ("1", "true", "yes"):
        return True
    if env in ("0", "false", "no"):
        return False
    if auth_configured():
        return True
    address = str(st.get_option("server.address") or "").strip()
    return address not in LOOPBACK


def _logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError, RuntimeError):
        return False


def _user_owner() -> str:
    info = st.user.to_dict()
    who = f"{info.get('iss', '')}|{info.get('sub') or info.get('email')}"
    return "user:" + hashlib.sha256(who.encode("utf-8")).hexdigest()[:32]


def read_cookie() -> str | None:
    """The owner cookie the browser sent when this session connected."""
    return st.context.cookies.get(COOKIE)


def _browser_token() -> str:
    """This browser's token: from the cookie, else a new one (written to the cookie)."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        return token
    cookie = read_cookie()
    token = cookie if isinstance(cookie, str) and _TOKEN.fullmatch(cookie) else None
    if token is None:
        token = secrets.token_urlsafe(32)
    st.session_state[TOKEN_KEY] = token
    return token


def current() -> str | None:
    """The owner of this session's rows (None: a local single user, who sees everything)."""
    if not shared_server():
        return None
    if _logged_in():
        return _user_owner()
    token = _browser_token()
    return "browser:" + hashlib.sha256(token.encode("ascii")).hexdigest()[:32]


def own_workspace(root: str) -> Workspace:
    """The workspace as this session's owner sees it, without any share link."""
    from components.pipeline import shared_workspace

    return shared_workspace(root).for_owner(current())


def workspace(root: str) -> Workspace:
    """The workspace as this session sees it: its own rows plus what a share link opened."""
    ws = own_workspace(root)
    token = st.session_state.get(SHARE_KEY)
    if token:
        try:
            return ws.open_share(token).workspace
        except EmbedlensError:  # revoked since: back to the session's own rows
            st.session_state.pop(SHARE_KEY, None)
    return ws


def _write_cookie(token: str) -> None:
    """Keep the browser token in a cookie (SameSite=Strict; Secure over https)."""
    if st.session_state.get(COOKIE_SET_KEY) or read_cookie() == token:
        return
    secure = "; Secure" if str(st.context.url or "").startswith("https:") else ""
    cookie = f"{COOKIE}={token}; Path=/; Max-Age={COOKIE_MAX_AGE_S}; SameSite=Strict{secure}"
    st.html(
        f"<script>document.cookie = {json.dumps(cookie)};</script>",
        unsafe_allow_javascript=True,
    )
    st.session_state[COOKIE_SET_KEY] = True


def ensure(root: str) -> None:
    """Once per run, before anything opens data: the owner, its cookie, a ``?share=`` link."""
    if shared_server() and not _logged_in():
        _write_cookie(_browser_token())
    token = st.query_params.get("share")
    if token and token != st.session_state.get(SHARE_KEY):
        _open_share(root, token)
    elif st.session_state.get(SHARE_KEY) and not token:
        st.query_params["share"] = st.session_state[SHARE_KEY]  # page switches drop it


def _open_share(root: str, token: str) -> None:
    try:
        shared = own_workspace(root).open_share(token)
    except EmbedlensError:
        st.query_params.pop("share", None)
        message = _("This share link is not valid (it may have been revoked).")
        st.warning(message, icon=":material/link_off:")
        return
    st.session_state[SHARE_KEY] = token
    st.session_state[SHARE_INFO_KEY] = (shared.kind, shared.id)
    if shared.kind == "view":
        info = shared.workspace.load_view(shared.id)
        dataset_id = info.view.get("dataset_id")
        if dataset_id:
            for key in (state.DATASET, state.DATASET_ID):
                st.session_state.pop(key, None)
            st.query_params["dataset"] = dataset_id
        st.query_params["view"] = shared.id
        st.session_state[state.VIEW_URL_CHECKED] = False
    else:
        st.session_state[state.STORY_ID] = shared.id


def shared_banner() -> None:
    """Say so when this session looks at someone else's view or story through a link."""
    opened = st.session_state.get(SHARE_INFO_KEY)
    if not opened or not st.session_state.get(SHARE_KEY):
        return
    kind = _("view") if opened[0] == "view" else _("story")
    st.info(
        _("You opened a shared {kind} through a read-only link.").format(kind=kind),
        icon=":material/link:",
    )


def share_url(token: str) -> str:
    """The full link that opens a shared view or story."""
    base = str(st.context.url or "").split("?", 1)[0]
    base = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    return f"{base.rstrip('/')}/?share={token}"


def login_controls() -> None:
    """Sign in / out buttons when OIDC login is configured."""
    if not auth_configured():
        return
    if _logged_in():
        name = st.user.to_dict().get("name") or st.user.to_dict().get("email") or ""
        if st.button(_("Sign out {name}").format(name=name), key="owner.logout"):
            st.logout()
    elif st.button(_("Sign in"), key="owner.login", icon=":material/login:"):
        st.login()
