"""Home: what MedLens is, in plain words, and where to start."""

import streamlit as st

from pages.common import current_dataset_name, route_through_app
from pages.teaching import teaching_note


def main() -> None:
    from core.data import CATALOGUE, find_local
    from core.data.loader import title

    st.title("MedLens")
    st.caption("An open workbench for medical-image classifiers")
    st.markdown(teaching_note("home"))
    left, right = st.columns(2)
    left.page_link("pages/explain.py", label="See the demo model explain an X-ray", icon=":material/visibility:")
    right.page_link("pages/lesson.py", label="Teach a class: the guided lesson", icon=":material/school:")
    left.page_link("pages/data.py", label="Look at the data", icon=":material/photo_library:")
    right.page_link("pages/train.py", label="Train a model", icon=":material/model_training:")
    left.page_link("pages/byod.py", label="Bring your own images, datasets and models", icon=":material/upload_file:")
    present = [entry.title for name, entry in CATALOGUE.items() if entry.supported and find_local(name)]
    st.info(
        f"Current dataset: **{title(current_dataset_name())}**. "
        f"Available offline: {', '.join(present) if present else 'none yet (they download on first use)'}."
    )


route_through_app()
main()
