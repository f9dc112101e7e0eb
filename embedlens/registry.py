"""A small registry of swappable backends (embedders, reducers, clusterers).

Heavy libraries are imported only inside factories; ``available()`` tells the UI which
entries can run here and, for the others, why not.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from embedlens.errors import BackendUnavailable
from embedlens.validation import parameter_error

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered backend."""

    name: str
    label: str
    factory: Callable[..., T]
    requires: tuple[str, ...] = ()
    pip_name: str = ""


class Registry(Generic[T]):
    """Named factories of one kind, listed in registration order."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def register(
        self, name: str, *, label: str, requires: tuple[str, ...] = (), pip_name: str = ""
    ) -> Callable[[F], F]:
        """Decorator registering ``factory`` under ``name``."""

        def decorator(factory: F) -> F:
            self._entries[name] = Entry(name, label, factory, requires, pip_name)  # type: ignore[arg-type]
            return factory

        return decorator

    def names(self) -> list[str]:
        """Names of every registered entry."""
        return list(self._entries)

    def entry(self, name: str) -> Entry[T]:
        """The entry called ``name``; InvalidParameterError when unknown."""
        if name not in self._entries:
            allowed = ", ".join(repr(n) for n in self.names())
            raise parameter_error(self._kind, name, f"one of {{{allowed}}}")
        return self._entries[name]

    def unavailable_reason(self, name: str) -> str | None:
        """None when ``name`` can run here, else the reason (with the pip line)."""
        entry = self.entry(name)
        missing = [m for m in entry.requires if importlib.util.find_spec(m) is None]
        if not missing:
            return None
        pip_name = entry.pip_name or " ".join(missing)
        return f"{entry.label} needs {', '.join(missing)}: pip install {pip_name}"

    def available(self) -> dict[str, str | None]:
        """Map of name -> None (usable) or the reason it is not."""
        return {name: self.unavailable_reason(name) for name in self._entries}

    def create(self, name: str, **kwargs: object) -> T:
        """Build the backend ``name`` with ``kwargs``."""
        reason = self.unavailable_reason(name)
        if reason is not None:
            raise BackendUnavailable(reason)
        return self._entries[name].factory(**kwargs)
