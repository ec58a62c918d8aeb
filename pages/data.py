"""Data: the current dataset's splits, class balance, samples per class and intensities."""

import streamlit as st

from pages.common import dataset_or_stop, plain, route_through_app
from pages.teaching import plain_words


def main() -> None:
    from core.data.display import montage, sample_indices
    from core.viz import data_figures

    dataset = dataset_or_stop()
    st.title(plain(dataset.title))
    plain_words("data", "What a dataset is, in plain words")
    st.caption(
        f"{dataset.modality} · {dataset.task} classification · {dataset.num_classes} classes · {dataset.image_shape}"
    )

    columns = st.columns(3)
    for column, split in zip(columns, ("train", "val", "test"), strict=True):
        column.metric(f"{split} images", f"{len(dataset.labels(split)):,}")

    st.subheader("Class balance")
    st.plotly_chart(data_figures.class_balance(dataset), key="class_balance")
    counts = {split: dataset.class_counts(split) / len(dataset.labels(split)) for split in ("train", "test")}
    shift = abs(counts["train"] - counts["test"]).max()
    if shift > 0.05:
        st.info(
            f"The test split's class mix differs from training by up to {shift:.0%}: accuracy measured "
            "on validation will not carry over exactly to test. MedLens picks models on validation loss "
            "and reports test figures."
        )

    st.subheader("Examples per class")
    left, middle, right = st.columns(3)
    per_class = left.slider("Images per class", 1, 16, 8, key="data_per_class")
    split = middle.selectbox("Split", ["train", "val", "test"], key="data_split")
    seed = right.number_input("Seed", 0, 10_000, 0, key="data_seed", help="Change it to draw other examples.")
    labels, images = dataset.labels(split), dataset.images(split)
    picks = sample_indices(labels, per_class, int(seed), dataset.num_classes)
    scale = max(1, 84 // dataset.image_shape[0])
    for name, indices in zip(dataset.class_names, picks, strict=True):
        st.image(montage(images[indices], scale=scale), caption=f"{name} ({len(indices)} shown)")

    st.subheader("Pixel intensity per class")
    hist_split = st.selectbox("Split for the histogram", ["train", "val", "test"], key="data_hist_split")
    st.plotly_chart(data_figures.intensity_histogram(dataset, hist_split), key="intensity_histogram")

    st.subheader("Licence and citation")
    st.markdown(f"**Licence:** {dataset.license}  \n**Source:** `{dataset.source}`")
    st.markdown(f"**Please cite:** {dataset.citation}")


route_through_app()
main()
