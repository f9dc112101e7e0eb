"""embedlens web app: router only (page config, state defaults, navigation)."""

from pathlib import Path

import streamlit as st

from components import datasets, i18n, owner, pipeline, state, story_views
from embedlens.i18n import _

ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

# A local file, not ":material/...": a Material favicon is fetched from an icon-font host.
st.set_page_config(page_title="embedlens", page_icon=str(ICON), layout="wide")
state.init()
i18n.apply_language()
owner.ensure(pipeline.home())  # who owns what this session sees; ?share= links
datasets.ensure_dataset()
story_views.restore_view_from_url()
story_views.sync_url()
i18n.sync_url()
i18n.language_switcher()
owner.login_controls()
owner.shared_banner()
page = st.navigation(
    {
        _("Explore"): [
            st.Page(
                "app_pages/map.py", title=_("Map"), icon=":material/scatter_plot:", default=True
            ),
            st.Page("app_pages/neighbors.py", title=_("Neighbours"), icon=":material/share:"),
            st.Page("app_pages/evaluate.py", title=_("Evaluate"), icon=":material/rule:"),
            st.Page("app_pages/compare.py", title=_("Compare"), icon=":material/compare:"),
        ],
        _("Data"): [
            st.Page("app_pages/data.py", title=_("Data"), icon=":material/table:"),
            st.Page("app_pages/workspace.py", title=_("Workspace"), icon=":material/folder_open:"),
        ],
        _("Present"): [
            st.Page("app_pages/story.py", title=_("Story"), icon=":material/slideshow:"),
        ],
    },
    position="top",
)
page.run()
