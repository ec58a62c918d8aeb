"""The Explain page's lower panels: method grid, faithfulness, gallery (two-model drift: ``explain_two``)."""

import time

import streamlit as st

from pages.common import plain
from pages.teaching import term
from pages.widgets import job_panel

GALLERY_KEY, GALLERY_INPUTS_KEY = "explain_gallery_job", "explain_gallery_inputs"
SAMPLE = 16
FAST_DEFAULTS = ["gradcam", "saliency", "occlusion", "integrated_gradients"]


def compare_panel(predictor, image, target, background, seed, method: str) -> dict:
    """Side-by-side maps of several methods, always with the page's chosen ``method``; returns {method: map}."""
    from core.explain.base import METHODS
    from core.explain.per_image import agreement_rows, explain_methods
    from core.viz.explain_figures import method_grid

    st.subheader("Methods side by side")
    usable = [n for n in METHODS.names if predictor.keras is not None or not METHODS.get(n).needs_gradients]
    picked = st.multiselect(
        "Methods",
        usable,
        default=[n for n in FAST_DEFAULTS if n in usable],
        format_func=lambda n: METHODS.get(n).title,
        key="exp_grid_methods",
    )
    picked = list(dict.fromkeys([method, *picked]))
    result = explain_methods(predictor, image, target, picked, seed, background)
    for name, reason in result.failures.items():
        st.warning(f"{METHODS.get(name).title}: {plain(reason)}")
    if result.maps:
        titled = {METHODS.get(n).title: m for n, m in result.maps.items()}
        st.plotly_chart(method_grid(image, titled), key="exp_grid")
    if len(result.maps) > 1:
        st.dataframe(agreement_rows(result.maps), hide_index=True, key="exp_grid_table")
    return result.maps


def faithfulness_panel(predictor, image, target, maps, background, seed, test_images) -> None:
    from core.compute.pool import pooled
    from core.explain.per_image import faithfulness_of, sanity_rows
    from core.viz.explain_figures import faithfulness_curves

    st.subheader("How faithful is each map?")
    st.caption(
        f"{term('deletion/insertion AUC', 'Deletion')} removes the pixels a map calls most important first: a "
        "faithful map makes the probability "
        "fall fast (low area). Insertion adds them back: the probability should rise fast (high area). "
        "A random order is the bar to beat."
    )
    if not maps:
        st.info("Pick at least one method above.")
        return
    started = time.perf_counter()
    scored = pooled(faithfulness_of, predictor, image, target, maps, seed)
    per_image = time.perf_counter() - started
    st.plotly_chart(faithfulness_curves(scored.curves), key="exp_faith")
    st.dataframe(scored.rows, hide_index=True, key="exp_faith_table")
    ranking_panel(predictor, list(maps), background, seed, test_images, per_image)
    if predictor.keras is not None and st.button(
        "Sanity check: explain a randomised copy of the model", key="exp_sanity"
    ):
        st.dataframe(
            sanity_rows(predictor, image, target, maps, seed, background), hide_index=True, key="exp_sanity_table"
        )
        st.caption(
            "The rank correlation between the map of the trained model and of a copy with random weights. Near 0 "
            "(or below: the two maps disagree) passes: the map depends on what the model learned. Near 1 fails: "
            "the map mostly shows the image itself, whatever the model knows."
        )


RANK_KEY = "explain_rank_job"
RANK_FACTOR = 2.0  # a rough ceiling: explaining an image costs at most about what scoring its faithfulness does


def _rank(job, predictor, images, methods, seed, background):
    from core.compute.config import from_env
    from core.explain.ranking import rank_methods

    return rank_methods(predictor, images, methods, seed, background, job.report, job.should_stop, from_env())


def ranking_panel(predictor, methods, background, seed, images, per_image: float) -> None:
    """Rank the chosen methods over a few test images, as a background job, with an estimate from the time the
    faithfulness scores of this image took (the ranking explains and scores each image the same way)."""
    from core import jobs
    from core.models.estimate import words

    left, right = st.columns([1, 2])
    count = left.slider("Images to rank over", 2, SAMPLE, 4, key="exp_rank_count")
    estimate = words(RANK_FACTOR * per_image * count)
    if right.button(f"Rank these methods over {count} test images ({estimate})", key="exp_rank_run"):
        st.session_state[RANK_KEY] = jobs.submit(
            _rank, predictor, images[:count], methods, seed, background, name="rank"
        )
    job_panel(RANK_KEY, on_done=lambda job: st.dataframe(job.result, hide_index=True, key="exp_rank_table"))


def _gallery(job, predictor, images, targets, method, settings, seed):
    from core.compute.config import from_env
    from core.explain.per_image import explain_batch

    report, stop = job.report, job.should_stop
    return explain_batch(predictor, images, targets, method, settings, seed, report, stop, from_env())


def gallery_panel(predictor, dataset, method, settings, seed, probabilities_of) -> None:
    from core import jobs
    from core.explain.selection import candidates

    st.subheader("Gallery")
    left, right = st.columns(2)
    kinds = {"misclassified": "misclassified only", "least confident": "least confident first"}
    which = left.selectbox("Images", list(kinds), key="exp_gallery_kind")
    count = right.slider("How many", 4, 32, 16, key="exp_gallery_count")
    if st.button("Explain the batch", key="exp_gallery_run"):
        probabilities, labels = probabilities_of("test"), dataset.labels("test")
        order = candidates(labels, probabilities, None, kinds[which])[:count]
        images = dataset.images("test")[order]
        st.session_state[GALLERY_KEY] = jobs.submit(
            _gallery, predictor, images, None, method, settings, seed, name="gallery"
        )
        st.session_state[GALLERY_INPUTS_KEY] = (images, order)

    def done(job) -> None:
        from core.viz.explain_figures import overlay_png

        images, order = st.session_state[GALLERY_INPUTS_KEY]
        columns = st.columns(8)
        for i, (image, attribution) in enumerate(zip(images, job.result, strict=False)):
            columns[i % 8].image(overlay_png(image, attribution, 0.6, scale=3), caption=f"test #{order[i]}")
        if len(job.result) == 0:
            st.caption("No images matched.")

    job_panel(GALLERY_KEY, on_done=done)
