"""The input boundary: every file a user brings (image, DICOM, archive, dataset, model) enters here.

Each reader decides by content, not by name, enforces the limits in ``limits.py`` and raises
``InputError`` with one sentence saying what was wrong and what to do. Nothing here writes to
``MEDLENS_HOME``: saving an import is a separate, explicit step.
"""
