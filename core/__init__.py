"""MedLens engine: everything the app and the CLI can do, callable from Python.

This is the one place that chooses the Keras flavour. tensorflow-model-optimization
needs the Keras 2 API (tf-keras), so ``TF_USE_LEGACY_KERAS`` must be set before
TensorFlow is first imported; importing any ``core`` module guarantees that.
"""

import os
import secrets

os.environ["TF_USE_LEGACY_KERAS"] = "1"
# Ray's control store, raylet and workers listen on every interface: a cluster MedLens starts is token-authenticated
# with a fresh random token. Ray reads both settings when it is first imported, hence here, before anything can
# import it. An operator's own token (for joining a cluster of theirs) is kept, and said to be theirs.
if not (os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH")):
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    os.environ["MEDLENS_RAY_TOKEN"] = "generated"
os.environ.setdefault("RAY_AUTH_MODE", "token")
# TensorFlow's C++ start-up chatter (CUDA probes, oneDNN notes) is noise for users.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Libraries' own console progress bars (LIME's tqdm) would spam logs; MedLens reports progress itself.
os.environ.setdefault("TQDM_DISABLE", "1")

__version__ = "0.1.0"
