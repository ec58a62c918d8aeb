"""Estimates shown before a long job starts, from the seconds per epoch measured on this machine."""

import streamlit as st


def curve_estimate(dataset, runs, epochs: int, dataset_name: str) -> str:
    """'N trainings, at most about M min' for a label-efficiency curve."""
    from core.models.estimate import seconds_per_epoch, training_seconds, words

    per_epoch = seconds_per_epoch(dataset_name, dataset.image_shape[0])
    images = len(dataset.labels("train"))
    total = None if per_epoch is None else sum(training_seconds(per_epoch, epochs, f, images) for f, _, _ in runs)
    if total is None:
        return f"{len(runs)} trainings; {words(None)}."
    return f"{len(runs)} trainings, at most {words(total)} (early stopping usually ends sooner)."


def search_estimate(candidates, dataset_name: str, size: int) -> str:
    """'N candidates, about M min' for a compression search: each candidate's fine-tuning epochs at the measured
    seconds per epoch, plus its conversion and measurement."""
    from core.models.estimate import OVERHEAD_SECONDS, seconds_per_epoch, words

    per_epoch = seconds_per_epoch(dataset_name, size)
    epochs = sum(step.params.get("epochs", 0) for recipe in candidates for step in recipe.steps)
    total = None if per_epoch is None else epochs * per_epoch + OVERHEAD_SECONDS * len(candidates)
    st.caption(f"{len(candidates)} candidates, {words(total)}.")
