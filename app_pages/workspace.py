"""Workspace: every saved dataset and run; reopen, rename or delete them."""

import streamlit as st

from components import feedback, owner, pipeline, state, story_views, workspace_ui

story_views.sync_url()
st.markdown("### Workspace")
ws = owner.own_workspace(pipeline.home())  # only this owner's items, never a share link's
infos = ws.list_datasets()
runs = ws.list_runs()
workspace_ui.summary(ws, infos, runs)
workspace_ui.sharing(ws)

st.markdown("#### Datasets")
if not infos:
    st.info("No datasets saved yet: open one on the Data page.", icon=":material/info:")
    st.page_link("app_pages/data.py", label="Go to Data", icon=":material/table:")
    st.stop()
st.dataframe(
    workspace_ui.datasets_frame(infos, runs),
    hide_index=True,
    width="stretch",
    column_config={"id": None},
    key="workspace.datasets_table",
)
by_id = {info.id: info for info in infos}
chosen = workspace_ui.pick(
    "Dataset",
    {i.id: f"{i.name} · {i.rows:,} rows · {i.id}" for i in infos},
    key="workspace.dataset",
    current=st.session_state.get(state.DATASET_ID),
)
own = [r for r in runs if r.dataset_id == chosen]
workspace_ui.dataset_actions(ws, by_id[chosen], len(own))

st.markdown(f"#### Runs of {feedback.md_escape(by_id[chosen].name)}")
if st.toggle("Show the runs of every dataset", key="workspace.all_runs"):
    own = runs
if not own:
    st.caption("No runs yet: open the dataset on the map to embed, project and cluster it.")
    st.stop()
names = {i.id: i.name for i in infos}
st.dataframe(
    workspace_ui.runs_frame(own, names),
    hide_index=True,
    width="stretch",
    column_config={"id": None},
    key="workspace.runs_table",
)
run_id = workspace_ui.pick(
    "Run",
    {r.id: f"{r.kind}: {workspace_ui.run_summary(r)} · {r.id}" for r in own},
    key="workspace.run",
)
workspace_ui.run_details(ws, next(r for r in own if r.id == run_id))
