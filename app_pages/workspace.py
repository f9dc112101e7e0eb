"""Workspace: every saved dataset and run; reopen, rename or delete them."""

import streamlit as st

from components import feedback, owner, pipeline, state, story_views, workspace_ui
from embedlens.i18n import _

story_views.sync_url()
st.markdown(_("### Workspace"))
ws = owner.own_workspace(pipeline.home())  # only this owner's items, never a share link's
infos = ws.list_datasets()
runs = ws.list_runs()
workspace_ui.summary(ws, infos, runs)
workspace_ui.sharing(ws)

st.markdown(_("#### Datasets"))
if not infos:
    st.info(_("No datasets saved yet: open one on the Data page."), icon=":material/info:")
    st.page_link("app_pages/data.py", label=_("Go to Data"), icon=":material/table:")
    st.stop()
st.dataframe(
    workspace_ui.datasets_frame(infos, runs),
    hide_index=True,
    width="stretch",
    column_config=workspace_ui.column_config(),
    key="workspace.datasets_table",
)
by_id = {info.id: info for info in infos}
chosen = workspace_ui.pick(
    _("Dataset"),
    {i.id: _("{name} · {n:,} rows · {id}").format(name=i.name, n=i.rows, id=i.id) for i in infos},
    key="workspace.dataset",
    current=st.session_state.get(state.DATASET_ID),
)
own = [r for r in runs if r.dataset_id == chosen]
workspace_ui.dataset_actions(ws, by_id[chosen], len(own))

st.markdown(_("#### Runs of {name}").format(name=feedback.md_escape(by_id[chosen].name)))
if st.toggle(_("Show the runs of every dataset"), key="workspace.all_runs"):
    own = runs
if not own:
    st.caption(_("No runs yet: open the dataset on the map to embed, project and cluster it."))
    st.stop()
names = {i.id: i.name for i in infos}
st.dataframe(
    workspace_ui.runs_frame(own, names),
    hide_index=True,
    width="stretch",
    column_config=workspace_ui.column_config(),
    key="workspace.runs_table",
)
run_id = workspace_ui.pick(
    _("Run"),
    {
        r.id: f"{_(workspace_ui.KINDS.get(r.kind, r.kind))}: {workspace_ui.run_summary(r)} · {r.id}"
        for r in own
    },
    key="workspace.run",
)
workspace_ui.run_details(ws, next(r for r in own if r.id == run_id))
