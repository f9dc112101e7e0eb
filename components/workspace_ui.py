"""The Workspace page's pieces: tables of datasets and runs, open / rename / delete actions."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pandas as pd
import streamlit as st

from components import datasets, state
from components.feedback import user_errors
from embedlens.i18n import N_, _
from embedlens.store import DatasetInfo, RunInfo, Workspace

CONFIRM = "workspace.confirm"  # ("dataset" | "run", id) waiting for "Yes, delete"
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def human_size(n_bytes: int) -> str:
    """Bytes as a short human-readable size (1 decimal above 1 kB)."""
    size = float(n_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"  # pragma: no cover (loop always returns)


def when(iso: str) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM' in the server's local time."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(iso)


def run_summary(run: RunInfo) -> str:
    """What a run computed, in a few words: method or model and its key parameters."""
    p = run.params
    if run.kind == "embedding":
        return str(p.get("key") or p.get("model") or p.get("backend") or "embedding")
    if run.kind == "projection":
        method = str(p.get("method", "?"))
        words = [f"{METHOD_NAMES.get(method, method)} {p.get('dims', 2)}D"]
        if method == "tsne":
            words.append(_("perplexity {p}").format(p=p.get("perplexity")))
        elif method == "umap":
            umap = _("{n} neighbours, min_dist {d}")
            words.append(umap.format(n=p.get("n_neighbors"), d=p.get("min_dist")))
        if method != "pca" and p.get("metric"):
            words.append(str(p["metric"]))
        words.append(_("seed {seed}").format(seed=p.get("seed", 0)))
        return ", ".join(words)
    keys = ("method", "k", "min_cluster_size", "eps", "space")
    return ", ".join(f"{k}={p[k]}" for k in keys if p.get(k) is not None) or "clustering"


COLUMN_LABELS = (
    N_("Name"), N_("Rows"), N_("Saved"), N_("Size"), N_("Text column"), N_("Label column"),
    N_("Vectors"), N_("Runs"), N_("Runs size"), N_("Status"), N_("Kind"), N_("What"),
    N_("Dataset"), N_("Seconds"),
)  # fmt: skip


def column_config() -> dict:
    """Translated headers for the two tables (``id`` hidden); the frames keep English names."""
    return {"id": None, **{c: st.column_config.Column(_(c)) for c in COLUMN_LABELS}}


def datasets_frame(infos: list[DatasetInfo], runs: list[RunInfo]) -> pd.DataFrame:
    """One row per saved dataset: name, rows, when, size on disk, columns, runs."""
    per_dataset: dict[str, list[RunInfo]] = {}
    for run in runs:
        per_dataset.setdefault(run.dataset_id, []).append(run)
    rows = []
    for info in infos:
        own = per_dataset.get(info.id, [])
        rows.append(
            {
                "Name": info.name,
                "Rows": info.rows,
                "Saved": when(info.created),
                "Size": human_size(info.size_bytes),
                "Text column": info.text_column or "—",
                "Label column": info.label_column or "—",
                "Vectors": _("yes") if info.has_vectors else _("no"),
                "Runs": len(own),
                "Runs size": human_size(sum(r.size_bytes for r in own)),
                "Status": _("files missing") if info.missing else _("ok"),
                "id": info.id,
            }
        )
    return pd.DataFrame(rows)


def runs_frame(runs: list[RunInfo], names: dict[str, str]) -> pd.DataFrame:
    """One row per run: kind, what (method/model and key params), dataset, when, seconds, size."""
    rows = [
        {
            "Kind": _(KINDS.get(run.kind, run.kind)),
            "What": run_summary(run),
            "Dataset": names.get(run.dataset_id, run.dataset_id),
            "Saved": when(run.created),
            "Seconds": None if run.seconds is None else round(run.seconds, 2),
            "Size": human_size(run.size_bytes),
            "Status": _("files missing") if run.missing else _("ok"),
            "id": run.id,
        }
        for run in runs
    ]
    return pd.DataFrame(rows)


def summary(ws: Workspace, infos: list[DatasetInfo], runs: list[RunInfo]) -> None:
    """The workspace folder, its total size and what it holds (an owner: only its own)."""
    if ws.owner is None:
        st.caption(_("Everything you load or compute is kept here; nothing is computed twice."))
        st.code(str(ws.root), language=None)
        size = ws.disk_usage()
    else:  # a shared server: neither the server's folder nor other people's sizes
        st.caption(
            _(
                "Your datasets, runs, views and stories on this server: nobody else sees them "
                "unless you share a view or story with a link."
            )
        )
        size = sum(i.size_bytes for i in infos) + sum(r.size_bytes for r in runs)
    cols = st.columns(3)
    cols[0].metric(_("Size on disk"), human_size(size))
    cols[1].metric(_("Datasets"), len(infos))
    cols[2].metric(_("Runs"), len(runs), help=_("Embeddings, projections and clusterings."))


def sharing(ws: Workspace) -> None:
    """Read-only links for this owner's views and stories: create, copy, revoke."""
    from components.owner import share_url

    items = [("view", v.id, v.name) for v in ws.list_views()]
    items += [("story", s.id, s.title) for s in ws.list_stories()]
    if not items:
        return
    with st.expander(_("Share a view or story (read-only link)"), icon=":material/link:"):
        labels = {f"{k}:{i}": f"{_('View') if k == 'view' else _('Story')}: {n}"
                  for k, i, n in items}  # fmt: skip
        chosen = pick(_("Item"), labels, key="workspace.share_item")
        kind, item_id = chosen.split(":", 1)
        token = ws.share_token(kind, item_id)
        if token is None:
            st.caption(_("Not shared: only you can open it."))
            if st.button(_("Create a read-only link"), key="workspace.share",
                         icon=":material/add_link:"):  # fmt: skip
                with user_errors(_("Sharing")):
                    ws.share(kind, item_id)
                st.rerun()
            return
        st.caption(_("Anyone with this link can open it read-only:"))
        st.code(share_url(token), language=None)
        if st.button(_("Revoke the link"), key="workspace.revoke", icon=":material/link_off:"):
            with user_errors(_("Revoking the link")):
                ws.revoke_share(kind, item_id)
            st.toast(_("Link revoked: it no longer opens anything."), icon=":material/link_off:")
            st.rerun()


def pick(
    label: str, options: dict[str, str], *, key: str, current: str | None = None
) -> str | None:
    """A selectbox over ``{id: label}`` (current item first by default); returns the id."""
    ids = list(options)
    if not ids:
        return None
    if st.session_state.get(key) not in ids:
        st.session_state[key] = current if current in ids else ids[0]
    return st.selectbox(label, ids, key=key, format_func=lambda i: options.get(i, i))


KINDS = {
    "view": N_("view"), "dataset": N_("dataset"), "run": N_("run"),
    "embedding": N_("embedding"), "projection": N_("projection"), "clustering": N_("clustering"),
}  # fmt: skip


def confirm_delete(kind: str, item_id: str, message: str, *, key: str) -> bool:
    """A 'Delete…' button that asks once more; True when the user confirmed."""
    pending = st.session_state.get(CONFIRM)
    if pending != (kind, item_id):
        label = _("Delete this {kind}…").format(kind=_(KINDS.get(kind, kind)))
        if st.button(label, key=f"{key}.delete", icon=":material/delete:"):
            st.session_state[CONFIRM] = (kind, item_id)
            st.rerun()
        return False
    st.warning(message, icon=":material/warning:")
    yes, no = st.columns(2)
    if no.button(_("Cancel"), key=f"{key}.cancel", width="stretch"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()
    if yes.button(_("Yes, delete"), key=f"{key}.confirm", type="primary", width="stretch"):
        st.session_state.pop(CONFIRM, None)
        return True
    return False


def dataset_actions(ws: Workspace, info: DatasetInfo, n_runs: int) -> None:
    """Open, rename or delete one saved dataset."""
    is_current = info.id == st.session_state.get(state.DATASET_ID)
    if st.button(
        _("Open on the map"),
        key="workspace.open",
        type="primary",
        icon=":material/scatter_plot:",
        disabled=info.missing,
    ):
        st.query_params.pop("view", None)
        st.session_state[state.VIEW_ID] = None
        if datasets.open_saved(info.id):
            st.switch_page("app_pages/map.py", query_params={"dataset": info.id})
    if info.missing:
        st.error(_(
                "This dataset's files are missing or damaged; delete it and load the file again."
            ))
    with st.form("workspace.rename_form", border=False):
        new = st.text_input(
            _("New name"), value=info.name, key=f"workspace.new_name.{info.id}", max_chars=200
        )
        submitted = st.form_submit_button(
            _("Rename"), icon=":material/edit:", key="workspace.rename"
        )
        if submitted and new.strip() != info.name:
            with user_errors(_("Renaming the dataset")):
                ws.rename_dataset(info.id, new)
            if is_current and state.dataset() is not None:
                st.session_state[state.DATASET] = dataclasses.replace(
                    state.dataset(), name=new.strip()
                )
            st.toast(_("Renamed to {strip}").format(strip=new.strip()), icon=":material/edit:")
            st.rerun()
    message = _(
        "Delete this dataset, its {n_runs} runs and their files? Saved views of it will "
        "no longer open. This cannot be undone."
    ).format(n_runs=n_runs)
    if is_current:
        message += _(" It is open now: the sample opens instead.")
    if confirm_delete("dataset", info.id, message, key="workspace.dataset"):
        with user_errors(_("Deleting the dataset")):
            ws.delete_dataset(info.id)
        if is_current:
            _close_current()
        st.toast(_("Dataset deleted"), icon=":material/delete:")
        st.rerun()


def _close_current() -> None:
    """Forget the deleted current dataset and reopen the default one."""
    for key in (state.DATASET, state.DATASET_ID, state.VIEW_ID):
        st.session_state.pop(key, None)
    st.query_params.pop("dataset", None)
    st.query_params.pop("view", None)
    datasets.ensure_dataset()


def run_details(ws: Workspace, run: RunInfo) -> None:
    """Parameters, library versions and extra facts of one run; delete it."""
    with st.expander(_("Details: parameters and library versions"), icon=":material/info:"):
        left, right = st.columns(2)
        left.markdown(_("**Parameters**"))
        left.json(run.params, expanded=True)
        right.markdown(_("**Library versions** (what computed it)"))
        right.json(run.versions, expanded=True)
        if run.extra:
            st.markdown(_("**Other facts**"))
            st.json(run.extra, expanded=False)
        st.caption(_("Run id `{id}` · computed from `{x}`").format(id=run.id, x=run.parent or '—'))
    n_children = sum(1 for r in ws.list_runs(run.dataset_id) if r.parent == run.id)
    message = _("Delete this run and its files?")
    if n_children:
        message += _(" {n} runs computed from it are deleted too.").format(n=n_children)
    message += _(" The map recomputes it when needed.")
    if confirm_delete("run", run.id, message, key="workspace.run"):
        with user_errors(_("Deleting the run")):
            ws.delete_run(run.id)
        st.toast(_("Run deleted"), icon=":material/delete:")
        st.rerun()
