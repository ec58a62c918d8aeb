"""The Explain page's lower panels: method grid, faithfulness, two-model drift, gallery."""

import numpy as np
import streamlit as st

from pages.common import job_panel, plain

GALLERY_KEY, GALLERY_INPUTS_KEY = "explain_gallery_job", "explain_gallery_inputs"
SAMPLE = 16
FAST_DEFAULTS = ["gradcam", "saliency", "occlusion", "integrated_gradients"]


def compare_panel(predictor, image, target, background, seed) -> dict:
    """Side-by-side maps of several methods; returns {method: map}."""
    from core.errors import MedLensError
    from core.explain.base import METHODS
    from core.explain.compare import rank_correlation, top_k_iou
    from core.explain.service import explain
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
    maps = {}
    for name in picked:
        try:
            maps[name] = explain(predictor, image[np.newaxis], name, None, np.array([target]), seed, background).maps[0]
        except MedLensError as error:
            st.warning(f"{METHODS.get(name).title}: {plain(error)}")
    if maps:
        st.plotly_chart(method_grid(image, {METHODS.get(n).title: m for n, m in maps.items()}), key="exp_grid")
        if len(maps) > 1:
            names = list(maps)
            st.dataframe(
                [
                    {
                        "method": METHODS.get(a).title,
                        "compared with": METHODS.get(b).title,
                        "rank correlation": round(rank_correlation(maps[a], maps[b]), 3),
                        "top-10% overlap (IoU)": round(top_k_iou(maps[a], maps[b]), 3),
                    }
                    for i, a in enumerate(names)
                    for b in names[i + 1 :]
                ],
                hide_index=True,
                key="exp_grid_table",
            )
    return maps


def faithfulness_panel(predictor, image, target, maps, background, seed, test_images) -> None:
    from core.explain import faithfulness
    from core.explain.base import METHODS
    from core.viz.explain_figures import faithfulness_curves

    st.subheader("How faithful is each map?")
    st.caption(
        "Deletion removes the pixels a map calls most important first: a faithful map makes the probability "
        "fall fast (low area). Insertion adds them back: the probability should rise fast (high area). "
        "A random order is the bar to beat."
    )
    if not maps:
        st.info("Pick at least one method above.")
        return
    x = image[np.newaxis].astype(np.float32) / 255.0
    curves = {
        METHODS.get(n).title: faithfulness.curves(predictor, x[0], target, faithfulness.attribution_order(m, seed))
        for n, m in maps.items()
    }
    chance = faithfulness.curves(
        predictor, x[0], target, faithfulness.random_order(image.shape[0] * image.shape[1], seed)
    )
    curves["random order"] = chance
    st.plotly_chart(faithfulness_curves(curves), key="exp_faith")
    st.dataframe(
        [
            {
                "method": name,
                "deletion AUC": round(c.deletion_auc, 4),
                "insertion AUC": round(c.insertion_auc, 4),
                "beats random": name != "random order"
                and c.deletion_auc < chance.deletion_auc
                and c.insertion_auc > chance.insertion_auc,
            }
            for name, c in sorted(curves.items(), key=lambda item: item[1].deletion_auc - item[1].insertion_auc)
        ],
        hide_index=True,
        key="exp_faith_table",
    )
    ranking_panel(predictor, list(maps), background, seed, test_images[:SAMPLE])
    if predictor.keras is not None and st.button(
        "Sanity check: explain a randomised copy of the model", key="exp_sanity"
    ):
        from core.explain.predictor import Predictor
        from core.explain.service import explain

        scrambled = Predictor(faithfulness.randomised_copy(predictor.keras, seed))
        rows = []
        for name, original in maps.items():
            other = explain(scrambled, image[np.newaxis], name, None, np.array([target]), seed, background).maps
            rows.append(
                {
                    "method": METHODS.get(name).title,
                    "rank correlation with the randomised model": round(
                        faithfulness.randomisation_check(original[np.newaxis], other), 3
                    ),
                }
            )
        st.dataframe(rows, hide_index=True, key="exp_sanity_table")
        st.caption(
            "Near 0 passes: the map depends on what the model learned. Near 1 fails: it mostly shows the image itself."
        )


RANK_KEY = "explain_rank_job"


def _rank(job, predictor, images, methods, seed, background):
    from core.explain.ranking import rank_methods

    return rank_methods(predictor, images, methods, seed, background, job.report, job.should_stop)


def ranking_panel(predictor, methods, background, seed, images) -> None:
    """Rank the chosen methods over 16 test images, as a background job."""
    from core import jobs

    if st.button(f"Rank these methods over {SAMPLE} test images", key="exp_rank_run"):
        st.session_state[RANK_KEY] = jobs.submit(_rank, predictor, images, methods, seed, background, name="rank")
    job_panel(RANK_KEY, on_done=lambda job: st.dataframe(job.result, hide_index=True, key="exp_rank_table"))


def two_model_panel(
    meta, image, method, settings, target, background, seed, attribution, keras_loader, tflite_loader
) -> None:
    from core.errors import MedLensError
    from core.explain.compare import drift
    from core.explain.service import explain
    from core.models import store
    from core.viz.explain_figures import overlay_figure

    st.subheader("Two models, one image: explanation drift")
    options = {
        f"store:{m.id}": m.name for m in store.list_models(meta.dataset) if m.size == meta.size and m.id != meta.id
    }
    options |= _compressed_options(meta)
    if not options:
        st.caption("No other model for this dataset yet: compress this one (Compress page) or train another.")
        return
    choice = st.selectbox("Compare with", list(options), format_func=options.get, key="exp_other")
    kind, _, ident = choice.partition(":")
    try:
        other = keras_loader(ident, store.read_meta(ident).created) if kind == "store" else tflite_loader(ident)
        result = explain(other, image[np.newaxis], method, settings, np.array([target]), seed, background)
    except MedLensError as error:
        st.warning(plain(error))
        return
    figures = drift(attribution[np.newaxis], result.maps)
    left, right = st.columns(2)
    left.plotly_chart(overlay_figure(image, attribution, 0.6, "this model"), key="exp_two_a")
    right.plotly_chart(overlay_figure(image, result.maps[0], 0.6, options[choice]), key="exp_two_b")
    a, b = st.columns(2)
    a.metric("rank correlation", f"{figures['rank_correlation']:.3f}", help="1: the two maps rank pixels alike.")
    b.metric("top-10% overlap (IoU)", f"{figures['top_k_iou']:.3f}", help="1: both point at the same regions.")


def _compressed_options(meta) -> dict[str, str]:
    """TFLite files measured on the Compress page for this model (model-agnostic methods only)."""
    from core import paths
    from core.keras_files import model_hash
    from pages.common import load_model

    root = paths.cache_dir() / "compress" / model_hash(load_model(meta.id, meta.created))
    found = {}
    for result in sorted(root.glob("*/result.json")) if root.is_dir() else []:
        import json

        name = json.loads(result.read_text()).get("recipe", {}).get("name", result.parent.name)
        if name != "float32":
            found[f"tflite:{result.parent / 'model.tflite'}"] = f"{meta.name} · {name} (TFLite)"
    return found


def _gallery(job, predictor, images, targets, method, settings, seed):
    from core.explain.service import explain

    maps = []
    for index in range(len(images)):
        if job.cancelled:
            break
        job.report(index / len(images), f"image {index + 1} of {len(images)}")
        maps.append(
            explain(predictor, images[index : index + 1], method, settings, targets[index : index + 1], seed).maps[0]
        )
    return np.stack(maps) if maps else np.zeros((0, *images.shape[1:3]))


def gallery_panel(predictor, dataset, method, settings, seed, probabilities_of) -> None:
    from core import jobs

    st.subheader("Gallery")
    left, right = st.columns(2)
    which = left.selectbox("Images", ["misclassified", "least confident"], key="exp_gallery_kind")
    count = right.slider("How many", 4, 32, 16, key="exp_gallery_count")
    if st.button("Explain the batch", key="exp_gallery_run"):
        probabilities, labels = probabilities_of("test"), dataset.labels("test")
        if which == "misclassified":
            order = np.flatnonzero(probabilities.argmax(axis=1) != labels)[:count]
        else:
            order = np.argsort(probabilities.max(axis=1), kind="stable")[:count]
        images = dataset.images("test")[order]
        st.session_state[GALLERY_KEY] = jobs.submit(
            _gallery, predictor, images, probabilities[order].argmax(axis=1), method, settings, seed, name="gallery"
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
