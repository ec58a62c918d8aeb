"""Session-state keys that more than one page reads: named once here, so no page reaches into another's state
by a string. Keys a single page keeps for itself stay in that page."""

DATASET_KEY, SIZE_KEY, MODEL_KEY = "dataset", "size", "model_id"  # the session context the sidebar owns
PIPELINE_KEY = "aug_pipeline"  # the Augment page's built pipeline, which the Train page can train with
UPLOAD_SPACE_KEY = "_upload_space"  # this browser session's private upload folder
