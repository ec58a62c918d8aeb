"""MedLens engine: everything the app and the CLI can do, callable from Python.

This is the one place that chooses the Keras flavour. tensorflow-model-optimization
needs the Keras 2 API (tf-keras), so ``TF_USE_LEGACY_KERAS`` must be set before
TensorFlow is first imported; importing any ``core`` module guarantees that.
"""

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
# TensorFlow's C++ start-up chatter (CUDA probes, oneDNN notes) is noise for users.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Libraries' own console progress bars (LIME's tqdm) would spam logs; MedLens reports progress itself.
os.environ.setdefault("TQDM_DISABLE", "1")

__version__ = "0.1.0"
