"""Story: save views of the map, name clusters, and show them full screen or as one HTML file."""

import streamlit as st

from components import pipeline, state, story, story_clusters, story_views
from embedlens.i18n import _

story_views.sync_url()
ws = pipeline.workspace(pipeline.home())
views = ws.list_views()
by_id = {v.id: v for v in views}
if st.session_state.get(state.PRESENTING):
    story.present(by_id, *story.current_look())
    st.stop()

st.markdown(_("### Story"))
st.caption(
    _(
        "Save views of the map with a caption, name the clusters, then step through the views "
        "full screen or download them as one HTML file that opens without embedlens."
    )
)
theme, palette, fmt = story.look_controls()
story.image_note(fmt)
has_results = st.session_state.get(state.PROJECTION) is not None
tab_views, tab_names, tab_story = st.tabs(
    [_("Saved views"), _("Cluster names"), _("Story")], default=story.opening_tab()
)
with tab_views:
    with st.expander(
        _("Save the current map as a view"), expanded=not views, icon=":material/bookmark_add:"
    ):
        if has_results:
            saved = story_views.save_view_form("story")
            if saved:
                st.session_state["story.view"] = saved  # show the new view below
                st.rerun()
        else:
            st.info(_("Open the map first: a view saves what it shows."), icon=":material/info:")
            st.page_link("app_pages/map.py", label=_("Go to Map"), icon=":material/scatter_plot:")
    story.views_section(ws, views, theme, palette, fmt)
with tab_names:
    clustering = st.session_state.get(state.CLUSTERING)
    if clustering is None:
        st.info(_("Open the map first: it clusters the data."), icon=":material/info:")
        st.page_link("app_pages/map.py", label=_("Go to Map"), icon=":material/scatter_plot:")
    else:
        story_clusters.cluster_editor(clustering)
with tab_story:
    story.story_editor(ws, by_id, theme, palette)
