"""Datasets: the MedMNIST catalogue, verified download, and the ``Dataset`` contract."""

from core.data.catalogue import CATALOGUE, DEFAULT_DATASET, DatasetInfo, info
from core.data.dataset import Dataset, Split, to_float
from core.data.loader import find_local, load

__all__ = ["CATALOGUE", "DEFAULT_DATASET", "Dataset", "DatasetInfo", "Split", "find_local", "info", "load", "to_float"]
