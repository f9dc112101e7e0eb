"""Which engine runs the slow steps, read in one place for every front end.

The CLI's ``--engine`` / ``--ray-address`` and the app's ``EMBEDLENS_ENGINE`` /
``EMBEDLENS_RAY_ADDRESS`` (``embedlens serve --engine ray --ray-address ADDR`` sets them for
the server) mean the same: ``local`` worker processes (default) or ``ray``, on the cluster at
the address, or on a local Ray when there is none. An address given with the local engine is
an error; an address only in the environment is ignored by the local engine.

>>> from embedlens.engines.config import engine_choice
>>> engine_choice("ray", "ray://head:10001", environ={})
EngineChoice(name='ray', address='ray://head:10001')
>>> engine_choice(environ={"EMBEDLENS_ENGINE": "ray"})
EngineChoice(name='ray', address=None)
>>> engine_choice(environ={"EMBEDLENS_RAY_ADDRESS": "head:6379"})
EngineChoice(name='local', address=None)
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from embedlens.engines.base import ENGINES, EngineUnavailable
from embedlens.errors import InvalidParameterError
from embedlens.i18n import N_

__all__ = [
    "ENGINE_ENV",
    "RAY_ADDRESS_ENV",
    "EngineChoice",
    "check_reachable",
    "engine_choice",
    "split_address",
]

ENGINE_ENV = "EMBEDLENS_ENGINE"
RAY_ADDRESS_ENV = "EMBEDLENS_RAY_ADDRESS"
RAY_CLIENT_PORT = 10001  # ray://HOST without a port
RAY_GCS_PORT = 6379  # HOST without a port


@dataclass(frozen=True)
class EngineChoice:
    """An engine name and, for ``ray``, the cluster address (None: a local Ray)."""

    name: str = "local"
    address: str | None = None

    @property
    def is_ray(self) -> bool:
        return self.name == "ray"


def engine_choice(
    name: str | None = None,
    address: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> EngineChoice:
    """The engine asked for: ``name``/``address`` when given, else the environment.

    Raises
    ------
    InvalidParameterError
        An unknown engine name, an ``address`` given with the local engine, or an address
        that is not ``HOST[:PORT]`` / ``ray://HOST[:PORT]`` / ``auto``.
    """
    env = os.environ if environ is None else environ
    source = "engine"
    if not name:
        name, source = (env.get(ENGINE_ENV) or "local").strip().lower(), ENGINE_ENV
    if name not in ENGINES:
        raise InvalidParameterError(
            f"The {source!r} parameter must be one of {', '.join(map(repr, ENGINES))}. "
            f"Got {name!r} instead."
        )
    address = (address or "").strip() or None
    if name == "local":
        if address:
            raise InvalidParameterError(
                f"The 'address' parameter is for the ray engine; got {address!r} with engine "
                "'local'. Use --engine ray, or leave the address out."
            )
        return EngineChoice("local")
    address = address or (env.get(RAY_ADDRESS_ENV) or "").strip() or None
    if address:
        split_address(address)  # a malformed address fails here, not in a job
    return EngineChoice("ray", address)


def split_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a Ray address (``ray://HOST[:PORT]`` or ``HOST[:PORT]``).

    None for ``auto`` / ``local``, which only Ray itself can resolve.

    Raises
    ------
    InvalidParameterError
        The port is not a number from 1 to 65535, or there is no host.
    """
    text = address.strip()
    if text.lower() in ("auto", "local"):
        return None
    client = text.startswith("ray://")
    rest = text.removeprefix("ray://").rstrip("/")
    host, sep, port = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not sep:
        host, port = rest, str(RAY_CLIENT_PORT if client else RAY_GCS_PORT)
    host = host.strip("[]")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InvalidParameterError(
            f"The 'address' parameter must be a Ray address such as ray://HOST:10001 or "
            f"HOST:6379. Got {address!r} instead."
        )
    return host, int(port)


def check_reachable(address: str | None, *, timeout: float = 3.0) -> None:
    """Fail fast when nothing answers at the Ray ``address`` (a TCP connect, ``timeout`` s).

    Ray itself keeps retrying an unreachable address for a minute or more; this check lets a
    page or command say so at once. None (a local Ray) and ``auto`` are not checked.

    Raises
    ------
    EngineUnavailable
        Nothing accepts connections at the address.
    """
    where = split_address(address) if address else None
    if where is None:
        return
    try:
        with socket.create_connection(where, timeout=timeout):
            pass
    except OSError as exc:
        raise EngineUnavailable(
            N_(
                "The Ray cluster at {address} cannot be reached ({reason}). Check the address "
                "(ray://HOST:10001 or HOST:6379), that the cluster runs (ray status on its head "
                "node) and that this machine may connect to that port."
            ).format(address=address, reason=exc.strerror or type(exc).__name__)
        ) from None
