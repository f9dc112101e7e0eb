"""Evaluate embeddings: cluster quality, map faithfulness, downstream accuracy, divergence.

Every function returns plain floats, arrays or dicts; ``METRIC_INFO`` holds a one-line meaning
(range, direction) for each figure, for the UI to print next to it.
"""

from __future__ import annotations

from .cluster import cluster_quality, label_agreement
from .divergence import group_divergence
from .downstream import downstream_accuracy, evaluate
from .faithfulness import continuity, neighbor_preservation, trustworthiness
from .info import METRIC_INFO

__all__ = [
    "METRIC_INFO",
    "cluster_quality",
    "continuity",
    "downstream_accuracy",
    "evaluate",
    "group_divergence",
    "label_agreement",
    "neighbor_preservation",
    "trustworthiness",
]
