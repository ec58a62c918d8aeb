"""User-facing errors: one message a clinician could act on.

Pages show ``str(error)``; the CLI prints it on one line and exits non-zero.
Anything that is not a ``MedLensError`` is a bug and keeps its traceback.
"""


class MedLensError(Exception):
    """A problem with the user's input or environment, explained in plain words."""


class DatasetError(MedLensError):
    """A dataset is unknown, missing, unsupported or does not match its official form."""


class ModelError(MedLensError):
    """A model file is missing, corrupt, unsafe or does not fit the dataset."""


class Cancelled(MedLensError):
    """Long work stopped because the user asked it to."""


class InputError(MedLensError):
    """A user's file was refused at the input boundary: wrong kind, damaged, too big or unsafe."""
