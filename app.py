"""MedLens: one router and the session pickers; each page lives in ``pages/``."""

from pathlib import Path

import streamlit as st

from core.models.demo import copy_into_store
from pages.common import apply_model_link, sidebar_context, sweep_stale_uploads
from pages.compute_status import queue_notice
from pages.teaching import presenter_style

ICON = Path(__file__).resolve().parent / "assets" / "medlens-icon.png"  # a local file: no request to another host
st.set_page_config(page_title="MedLens", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/photo_library:"),
    st.Page("pages/augment.py", title="Augment", icon=":material/auto_awesome:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/compress.py", title="Compress", icon=":material/compress:"),
    st.Page("pages/transfer.py", title="Transfer", icon=":material/swap_horiz:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/visibility:"),
    st.Page("pages/byod.py", title="Your data", icon=":material/upload_file:"),
    st.Page("pages/lesson.py", title="Lesson", icon=":material/school:"),
]

sweep_stale_uploads()
copy_into_store()  # the shipped demo models, once per store: something to explain from the first minute
navigation = st.navigation(PAGES)
apply_model_link()
sidebar_context()
presenter_style()
with queue_notice():  # a page's wait for the shared server shows its place in line
    navigation.run()
