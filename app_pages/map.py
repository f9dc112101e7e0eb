"""Map: the data embedded, projected and clustered, coloured and explorable."""

import streamlit as st

from components import (
    charts,
    exports,
    feedback,
    forms,
    highlight_chip,
    images,
    jobs,
    k_chart,
    linked_charts,
    pipeline,
    png_export,
    scale,
    state,
    story_views,
)
from embedlens.i18n import _, current_language, translate_note

ds = state.require_dataset()
with st.sidebar:
    st.markdown(_("**{name}** · {n:,} rows").format(name=feedback.md_escape(ds.name), n=len(ds)))
    st.page_link("app_pages/data.py", label=_("Change data"), icon=":material/table:")
    if images.is_image_dataset(ds) and ds.vectors is None:
        backend, model = images.embedding_form(ds)
    else:
        backend, model = forms.embedding_form(ds)
    pick = pipeline.choose(ds, backend, model)  # "auto" resolved: the estimate is for the model
    scale.embedding_notice(ds, pick.backend, pick.model)
    proj_params = forms.projection_form(len(ds))
    sample_size = scale.sampling_form(ds, proj_params)
    cluster_params = forms.cluster_form(len(ds))
    k_slot = st.container()  # the automatic k's curve, drawn once the clustering is known
    st.divider()
    display = forms.display_form(ds)
    with st.expander(_("Save this view"), icon=":material/bookmark_add:"):
        story_views.save_view_form("map")

if pick.warning:
    st.warning(pick.warning, icon=":material/translate:")
if not scale.embedding_confirmed(ds, pick.backend, pick.model):
    st.stop()
result = pipeline.build_map(
    ds, backend, model, proj_params, cluster_params, sample_size=sample_size
)
if result.pending:
    jobs.wait_for(result.pending)
if result.proj is None:
    st.stop()
emb, proj, clustering = result.emb, result.proj, result.clustering
if not result.preview:
    st.session_state[state.EMBEDDING] = emb
    st.session_state[state.PROJECTION] = proj
    st.session_state[state.CLUSTERING] = clustering

method = forms.METHOD_LABELS[proj.params.method]
if emb is None:
    vectors = _("TF-IDF preview vectors")
else:
    vectors = translate_note(emb.provenance.vectors_name())
if result.pick is not None and result.pick.reason:
    reason = translate_note(result.pick.reason).rstrip(".。")  # the caption closes the sentence
    vectors += ("；" if current_language() == "zh_CN" else "; ") + reason
st.markdown(f"### {feedback.md_escape(ds.name)}")
st.caption(
    (
        images.map_caption()
        if images.is_image_dataset(ds)
        else _(
            "Each dot is one of {n:,} rows, placed by {method} so that rows with similar meaning "
            "sit close together ({vectors}). Colours are {n_clusters} {method2} clusters named by "
            "their keywords. Hover a dot to read it; draw a lasso to select; the Neighbours page "
            "searches by meaning."
        )
    ).format(
        n=len(ds),
        method=method,
        vectors=vectors,
        n_clusters=clustering.n_clusters,
        method2=clustering.params.method,
    )
)
if result.preview:
    st.info(result.preview, icon=":material/hourglass_top:")
if cluster_params.k is None and cluster_params.method in ("kmeans", "agglomerative"):
    with k_slot:
        k_chart.k_curve(clustering.k_choice, preview=bool(result.preview))
highlight_chip.highlight_chip()

fig, is_density = charts.map_figure(
    ds,
    proj.coords,
    clustering,
    display,
    proj.params.method,
    highlight_ids=st.session_state.get(state.HIGHLIGHT),
    query=st.session_state.get(state.QUERY_POINT),
    theme=st.session_state.get(state.THEME, "light"),
)
selected = charts.draw_map(fig, is_density=is_density)
images.map_panel(ds, emb.vectors if emb else None, proj.coords, clustering, selected)
load_notes = ds.report.notes if ds.report else ()
emb_notes = emb.notes if emb is not None else ()
notes = (*load_notes, *emb_notes, *proj.notes, *clustering.notes)
if notes:  # under the map, folded: the map comes first at 1280x720
    with st.expander(_("Technical notes ({n})").format(n=len(notes)), icon=":material/info:"):
        for note in notes:
            st.caption(feedback.md_escape(translate_note(note)))

frame = exports.result_frame(ds, proj.coords, clustering)
linked_charts.search_results(ds, frame, display.search)
linked_charts.linked_charts(ds, frame, selected)
exports.selection_panel(ds, frame, selected)
with st.expander(_("Export the map and the table"), icon=":material/download:"):
    exports.download_buttons(frame, ds.name, key="map.download")
    exports.figure_download(
        fig,
        ds.name,
        key="map.download_html",
        after=lambda: images.html_strip(ds, emb.vectors if emb else None, proj.coords, clustering),
    )
    png_export.png_button(fig, ds.name, key="map.download_png")
