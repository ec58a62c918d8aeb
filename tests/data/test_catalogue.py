import re

import pytest

from core.data.catalogue import CATALOGUE, SIZES, info, supported_info
from core.errors import DatasetError

TWO_D_SUBSETS = {
    "pneumoniamnist", "breastmnist", "bloodmnist", "dermamnist", "organamnist", "organcmnist",
    "organsmnist", "octmnist", "retinamnist", "pathmnist", "tissuemnist", "chestmnist",
}  # fmt: skip


def test_catalogue_holds_every_2d_subset():
    assert set(CATALOGUE) == TWO_D_SUBSETS


@pytest.mark.parametrize("name", sorted(TWO_D_SUBSETS))
def test_every_entry_is_complete(name):
    entry = CATALOGUE[name]
    assert entry.channels in (1, 3)
    assert entry.num_classes >= 2 and all(entry.class_names)
    assert set(entry.split_sizes) == {"train", "val", "test"} and min(entry.split_sizes.values()) > 0
    assert entry.license.startswith("CC BY")
    for size in SIZES:
        official = entry.official_file(size)
        assert re.fullmatch(r"[0-9a-f]{32}", official.md5)
        assert official.url.startswith("https://zenodo.org/records/10519652/files/")
        assert official.url.endswith(f"{official.file_name}?download=1")


def test_official_file_names_follow_medmnist():
    assert info("pneumoniamnist").official_file(28).file_name == "pneumoniamnist.npz"
    assert info("pneumoniamnist").official_file(64).file_name == "pneumoniamnist_64.npz"
    assert info("breastmnist").official_file(28).md5 == "750601b1f35ba3300ea97c75c52ff8f6"


def test_unknown_size_and_name_are_refused_clearly():
    with pytest.raises(DatasetError, match="no 32x32 release"):
        info("breastmnist").official_file(32)
    with pytest.raises(DatasetError, match="Unknown dataset 'lungmnist'"):
        info("lungmnist")


def test_names_are_case_insensitive():
    assert info(" PneumoniaMNIST ").name == "pneumoniamnist"


def test_chestmnist_is_listed_but_refused_as_multilabel():
    assert not CATALOGUE["chestmnist"].supported
    with pytest.raises(DatasetError, match="multi-label"):
        supported_info("chestmnist")
