"""Exceptions raised by embedlens.

Every message says what was wrong, the value received and what to do next, in the
shape scikit-learn uses for its parameter validation.
"""

from __future__ import annotations


class EmbedlensError(Exception):
    """Base class of every error embedlens raises on purpose."""


class InvalidParameterError(EmbedlensError, ValueError, TypeError):
    """A parameter has a value that is not allowed (alone or for this data)."""


class DataError(EmbedlensError, ValueError):
    """The input data cannot be used as it is (file, row, column and what to do)."""


class BackendUnavailable(EmbedlensError, ImportError):
    """An optional backend's package is missing; the message names the pip install line."""


class ModelLanguageWarning(UserWarning):
    """The chosen model reads the text's language poorly (an English-only model on Chinese)."""
