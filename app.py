"""embedlens web app: router only (page config, state defaults, navigation)."""

import streamlit as st

from components import datasets, owner, pipeline, state, story_views

st.set_page_config(page_title="embedlens", page_icon=":material/scatter_plot:", layout="wide")
state.init()
owner.ensure(pipeline.home())  # who owns what this session sees; ?share= links
datasets.ensure_dataset()
story_views.restore_view_from_url()
story_views.sync_url()
owner.login_controls()
owner.shared_banner()
page = st.navigation(
    {
        "Explore": [
            st.Page("app_pages/map.py", title="Map", icon=":material/scatter_plot:", default=True),
            st.Page("app_pages/neighbors.py", title="Neighbours", icon=":material/share:"),
            st.Page("app_pages/evaluate.py", title="Evaluate", icon=":material/rule:"),
            st.Page("app_pages/compare.py", title="Compare", icon=":material/compare:"),
        ],
        "Data": [
            st.Page("app_pages/data.py", title="Data", icon=":material/table:"),
            st.Page("app_pages/workspace.py", title="Workspace", icon=":material/folder_open:"),
        ],
        "Present": [
            st.Page("app_pages/story.py", title="Story", icon=":material/slideshow:"),
        ],
    },
    position="top",
)
page.run()
