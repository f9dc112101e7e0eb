"""The notebook widget of a map: Plotly's FigureWidget (an anywidget) with a live selection."""

from __future__ import annotations

from typing import Any

import pandas as pd


class MapWidget:
    """The map as an interactive Jupyter widget; ``selection`` holds the lasso-selected rows.

    Every point trace of the map carries the row id as ``customdata``; box and lasso selections
    on any trace update :attr:`selection` (a DataFrame of those rows, as in ``Map.data``).
    """

    def __init__(self, figure: Any, data: pd.DataFrame) -> None:
        import plotly.graph_objects as go

        self.figure_widget = go.FigureWidget(figure)
        self._data = data
        self._selected: dict[int, list] = {}
        for index, trace in enumerate(self.figure_widget.data):
            if getattr(trace, "customdata", None) is None:
                continue  # helper traces (query stars, 3-D labels) have no rows
            trace.on_selection(self._on_selection(index))
            trace.on_deselect(self._on_deselect(index))

    def _on_selection(self, index: int):
        def handler(trace: Any, points: Any, selector: Any) -> None:
            custom = trace.customdata
            self._selected[index] = [_flat(custom[i]) for i in points.point_inds]

        return handler

    def _on_deselect(self, index: int):
        def handler(trace: Any, points: Any) -> None:
            self._selected.pop(index, None)

        return handler

    @property
    def selection(self) -> pd.DataFrame:
        """The rows selected on the map (empty before any selection), in map order."""
        ids = [i for trace_ids in self._selected.values() for i in trace_ids]
        if not ids:
            return self._data.iloc[0:0]
        wanted = pd.Index(ids).astype(str)
        mask = self._data.index.astype(str).isin(wanted)
        return self._data[mask]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.figure_widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.figure_widget)


def _flat(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and value:
        return value[0]
    return value
