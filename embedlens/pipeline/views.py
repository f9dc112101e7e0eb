"""Saved views read back from the workspace: the dataset, coordinates and clusters they show.

A view (a JSON dict saved by the app) names its dataset and the projection and clustering runs
it draws; the core reads them, so no front end reads runs itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedlens.dataset import Dataset
from embedlens.store import Workspace


@dataclass(frozen=True, eq=False)
class ViewData:
    """What a saved view draws: the dataset, its coords and the cluster labels and names."""

    ds: Dataset
    coords: np.ndarray
    labels: np.ndarray | None
    names: dict[int, str]


def load_view_data(ws: Workspace, view: dict) -> ViewData:
    """Read a view's dataset, projection and clustering runs from the workspace.

    Raises NotFoundError / DamagedFilesError (both EmbedlensError) when they are gone.
    """
    ds = ws.load_dataset(view["dataset_id"])
    _, arrays = ws.load_run(view["projection_run"])
    labels, names = None, {}
    if view.get("clustering_run"):
        info, cl = ws.load_run(view["clustering_run"])
        labels = cl["labels"].astype(np.int64)
        names = {int(k): str(v) for k, v in info.extra.get("names", {}).items()}
    return ViewData(ds=ds, coords=arrays["coords"], labels=labels, names=names)


def apply_cluster_edits(
    labels: np.ndarray, names: dict[int, str], renames: dict, merges: dict
) -> tuple[np.ndarray, dict[int, str]]:
    """Labels and names after merges and renames (JSON string keys accepted).

    The same rule the app applies to the session's renames and merges, for a saved view.
    """
    out = labels.copy()
    for source, target in merges.items():
        out[labels == int(source)] = int(target)
    shown = {int(c): names.get(int(c), f"Cluster {c}") for c in np.unique(out)}
    for cid, name in renames.items():
        if int(cid) in shown and str(name).strip():
            shown[int(cid)] = str(name).strip()
    return out, shown
