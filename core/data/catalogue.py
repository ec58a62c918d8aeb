"""The 2D MedMNIST subsets: class names, channels, licence, official files and MD5s.

Values come from ``medmnist/info.py`` of MedMNIST v3.0.2 (Zenodo record 10519652);
the 28x28 files are the same as in v2 except OrganA/C/SMNIST, whose v3 splits differ.
"""

from dataclasses import dataclass, field

from core.errors import DatasetError
from core.registry import Registry

ZENODO = "https://zenodo.org/records/10519652/files"
SIZES = (28, 64, 128, 224)
SPLITS = ("train", "val", "test")

MEDMNIST_CITATION = (
    "Jiancheng Yang, Rui Shi, Donglai Wei, Zequan Liu, Lin Zhao, Bilian Ke, Hanspeter "
    "Pfister, Bingbing Ni. MedMNIST v2 - A large-scale lightweight benchmark for 2D and "
    "3D biomedical image classification. Scientific Data 10, 41 (2023)."
)


PREPARATION: dict[str, tuple[str, str]] = {
    # name: (squaring rule, what MedMNIST's own description says it did to the source pictures). A model sees an
    # upload made square the way its training pictures were: letterbox bars on a centre-cropped dataset are
    # something it never saw (the Kermany X-rays letterboxed: 97 % called foreign; centre-cropped: 3 %).
    "pneumoniamnist": ("crop", "source images of (384-2,916)x(127-2,713) centre-cropped, then resized"),
    "octmnist": ("crop", "source images of (384-1,536)x(277-512) centre-cropped, then resized"),
    "retinamnist": ("crop", "source images of 1,736x1,824 centre-cropped, then resized"),
    "bloodmnist": ("crop", "source images of 360x363 centre-cropped to 200x200, then resized"),
    "dermamnist": ("stretch", "source images of 600x450 resized to a square without keeping the aspect ratio"),
    "organamnist": ("stretch", "crops of organ bounding boxes resized to a square"),
    "organcmnist": ("stretch", "crops of organ bounding boxes resized to a square"),
    "organsmnist": ("stretch", "crops of organ bounding boxes resized to a square"),
    "breastmnist": ("pad", "square source images of 500x500, resized"),
    "pathmnist": ("pad", "square source patches of 224x224, resized"),
    "tissuemnist": ("pad", "square source images of 32x32 (maximum over 7 slices), resized"),
    "chestmnist": ("pad", "square source images of 1,024x1,024, resized"),
}
"""From MedMNIST's dataset descriptions (``medmnist/info.py`` INFO, and the MedMNIST v2 paper's Table 1)."""


@dataclass(frozen=True)
class OfficialFile:
    size: int
    file_name: str
    url: str
    md5: str


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    modality: str
    task: str  # "binary", "multiclass", "ordinal" or "multilabel"
    class_names: tuple[str, ...]
    channels: int
    split_sizes: dict[str, int]
    license: str
    source_citation: str
    md5s: dict[int, str] = field(repr=False)
    squaring: str = "pad"  # how MedMNIST made its source pictures square (``PREPARATION``); uploads follow it

    @property
    def supported(self) -> bool:
        return self.task != "multilabel"

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def preparation(self) -> str:
        """How MedMNIST made this subset's pictures square, in its own words."""
        return PREPARATION[self.name][1]

    def official_file(self, size: int) -> OfficialFile:
        if size not in self.md5s:
            sizes = ", ".join(str(s) for s in self.md5s)
            raise DatasetError(f"{self.title} has no {size}x{size} release; sizes: {sizes}.")
        file_name = f"{self.name}.npz" if size == 28 else f"{self.name}_{size}.npz"
        return OfficialFile(size, file_name, f"{ZENODO}/{file_name}?download=1", self.md5s[size])


def _info(name, title, modality, task, classes, channels, splits, md5s, citation, lic="CC BY 4.0"):
    squaring, _ = PREPARATION[name]
    return DatasetInfo(
        name=name,
        title=title,
        modality=modality,
        task=task,
        class_names=tuple(classes),
        channels=channels,
        split_sizes=dict(zip(SPLITS, splits, strict=True)),
        license=lic,
        source_citation=citation,
        md5s=dict(zip(SIZES, md5s, strict=True)),
        squaring=squaring,
    )


_ORGANS = (
    "bladder",
    "femur-left",
    "femur-right",
    "heart",
    "kidney-left",
    "kidney-right",
    "liver",
    "lung-left",
    "lung-right",
    "pancreas",
    "spleen",
)
_LITS = "Bilic P., Christ P., et al. The Liver Tumor Segmentation Benchmark (LiTS). Medical Image Analysis 84:102680 (2023)."

_ENTRIES = (
    _info(
        "pneumoniamnist",
        "PneumoniaMNIST",
        "paediatric chest X-ray",
        "binary",
        ("normal", "pneumonia"),
        1,
        (4708, 524, 624),
        (
            "28209eda62fecd6e6a2d98b1501bb15f",
            "8f4eceb4ccffa70c672198ea285246c6",
            "05b46931834c231683c68f40c47b2971",
            "d6a3c71de1b945ea11211b03746c1fe1",
        ),
        "Kermany D.S., Goldbaum M., et al. Identifying Medical Diagnoses and Treatable "
        "Diseases by Image-Based Deep Learning. Cell 172(5):1122-1131 (2018).",
    ),
    _info(
        "breastmnist",
        "BreastMNIST",
        "breast ultrasound",
        "binary",
        ("malignant", "normal, benign"),
        1,
        (546, 78, 156),
        (
            "750601b1f35ba3300ea97c75c52ff8f6",
            "742edef2a1fd1524b2efff4bd7ba9364",
            "363e4b3f8d712e9b5de15470a2aaadf1",
            "b56378a6eefa9fed602bb16d192d4c8b",
        ),
        "Al-Dhabyani W., Gomaa M., Khaled H., Fahmy A. Dataset of breast ultrasound "
        "images. Data in Brief 28:104863 (2020).",
    ),
    _info(
        "retinamnist",
        "RetinaMNIST",
        "retinal fundus photograph",
        "ordinal",
        ("0", "1", "2", "3", "4"),
        3,
        (1080, 120, 400),
        (
            "bd4c0672f1bba3e3a89f0e4e876791e4",
            "afda852cc34dcda56f86ad2b2457dbcc",
            "e48e916a24454daf90583d4e6efb1a18",
            "eae7e3b6f3fcbda4ae613ebdcbe35348",
        ),
        "Liu R., Wang X., Wu Q., et al. DeepDRiD: Diabetic Retinopathy - Grading and "
        "Image Quality Estimation Challenge. Patterns 3(6):100512 (2022).",
    ),
    _info(
        "bloodmnist",
        "BloodMNIST",
        "blood cell microscopy",
        "multiclass",
        (
            "basophil",
            "eosinophil",
            "erythroblast",
            "immature granulocytes",
            "lymphocyte",
            "monocyte",
            "neutrophil",
            "platelet",
        ),
        3,
        (11959, 1712, 3421),
        (
            "7053d0359d879ad8a5505303e11de1dc",
            "2b94928a2ae4916078ca51e05b6b800b",
            "adace1e0ed228fccda1f39692059dd4c",
            "b718ff6835fcbdb22ba9eacccd7b2601",
        ),
        "Acevedo A., Merino A., et al. A dataset of microscopic peripheral blood cell "
        "images for development of automatic recognition systems. Data in Brief 30:105474 (2020).",
    ),
    _info(
        "dermamnist",
        "DermaMNIST",
        "dermatoscopy",
        "multiclass",
        (
            "actinic keratoses and intraepithelial carcinoma",
            "basal cell carcinoma",
            "benign keratosis-like lesions",
            "dermatofibroma",
            "melanoma",
            "melanocytic nevi",
            "vascular lesions",
        ),
        3,
        (7007, 1003, 2005),
        (
            "0744692d530f8e62ec473284d019b0c7",
            "b70a2f5635c6199aeaa28c31d7202e1f",
            "2defd784463fa5243564e855ed717de1",
            "8974907d8e169bef5f5b96bc506ae45d",
        ),
        "Tschandl P., Rosendahl C., Kittler H. The HAM10000 dataset. Scientific Data 5:180161 (2018).",
        lic="CC BY-NC 4.0",
    ),
    _info(
        "octmnist",
        "OCTMNIST",
        "retinal optical coherence tomography",
        "multiclass",
        ("choroidal neovascularization", "diabetic macular edema", "drusen", "normal"),
        1,
        (97477, 10832, 1000),
        (
            "c68d92d5b585d8d81f7112f81e2d0842",
            "e229e9440236b774d9f0dfef9d07bdaf",
            "0a97e76651ace45c5d943ee3f65b63ae",
            "abc493b6d529d5de7569faaef2773ba3",
        ),
        "Kermany D.S., Goldbaum M., et al. Cell 172(5):1122-1131 (2018).",
    ),
    _info(
        "organamnist",
        "OrganAMNIST",
        "abdominal CT, axial",
        "multiclass",
        _ORGANS,
        1,
        (34561, 6491, 17778),
        (
            "68e3f8846a6bd62f0c9bf841c0d9eacc",
            "2dcccc29b88e6da5a01161ef20cda288",
            "eeae80d0a227a8d099027e1b3cfd3b60",
            "50747347e05c87dd3aaf92c49f9f3170",
        ),
        _LITS,
    ),
    _info(
        "organcmnist",
        "OrganCMNIST",
        "abdominal CT, coronal",
        "multiclass",
        _ORGANS,
        1,
        (12975, 2392, 8216),
        (
            "b9ceb9546e10131b32923c5bbeaea2b1",
            "3ce34a8724ea6f548e6db4744d03b6a9",
            "773c1f009daa3fe5d9a2a201b2a7ed94",
            "050f5e875dc056f6768abf94ec9995d1",
        ),
        _LITS,
    ),
    _info(
        "organsmnist",
        "OrganSMNIST",
        "abdominal CT, sagittal",
        "multiclass",
        _ORGANS,
        1,
        (13932, 2452, 8827),
        (
            "9ab87b696fb54e2a387ebe992d6ed5f1",
            "53a6d115339d874c25e309a994ff46d3",
            "ded0c5fa01a95dc4978b956f613e9b8e",
            "b354719e553fbbb2513d5533f52a4cb1",
        ),
        _LITS,
    ),
    _info(
        "pathmnist",
        "PathMNIST",
        "colon histology",
        "multiclass",
        (
            "adipose",
            "background",
            "debris",
            "lymphocytes",
            "mucus",
            "smooth muscle",
            "normal colon mucosa",
            "cancer-associated stroma",
            "colorectal adenocarcinoma epithelium",
        ),
        3,
        (89996, 10004, 7180),
        (
            "a8b06965200029087d5bd730944a56c1",
            "55aa9c1e0525abe5a6b9d8343a507616",
            "ac42d08fb904d92c244187169d1fd1d9",
            "2c51a510bcdc9cf8ddb2af93af1eadec",
        ),
        "Kather J.N., Krisam J., et al. Predicting survival from colorectal cancer "
        "histology slides using deep learning. PLOS Medicine 16(1):e1002730 (2019).",
    ),
    _info(
        "tissuemnist",
        "TissueMNIST",
        "kidney cortex microscopy",
        "multiclass",
        (
            "collecting duct, connecting tubule",
            "distal convoluted tubule",
            "glomerular endothelial cells",
            "interstitial endothelial cells",
            "leukocytes",
            "podocytes",
            "proximal tubule segments",
            "thick ascending limb",
        ),
        1,
        (165466, 23640, 47280),
        (
            "ebe78ee8b05294063de985d821c1c34b",
            "123ece2eba09d0aa5d698fda57103344",
            "61b955355d7425a89687b06cca3ce0c2",
            "b077128c4a949f0a4eb01517f9037b9c",
        ),
        "Ljosa V., Sokolnicki K.L., Carpenter A.E. Annotated high-throughput microscopy "
        "image sets for validation. Nature Methods 9:637 (2012).",
    ),
    _info(
        "chestmnist",
        "ChestMNIST",
        "adult chest X-ray",
        "multilabel",
        (
            "atelectasis",
            "cardiomegaly",
            "effusion",
            "infiltration",
            "mass",
            "nodule",
            "pneumonia",
            "pneumothorax",
            "consolidation",
            "edema",
            "emphysema",
            "fibrosis",
            "pleural",
            "hernia",
        ),
        1,
        (78468, 11219, 22433),
        (
            "02c8a6516a18b556561a56cbdd36c4a8",
            "9de6cd0b934ebb5b7426cfba5efbae16",
            "db107e5590b27930b62dbaf558aebee3",
            "45bd33e6f06c3e8cdb481c74a89152aa",
        ),
        "Wang X., Peng Y., et al. ChestX-ray8. CVPR 2017.",
    ),
)

CATALOGUE: Registry[DatasetInfo] = Registry("dataset")
for _entry in _ENTRIES:
    CATALOGUE.register(_entry)

DEFAULT_DATASET = "pneumoniamnist"


def info(name: str) -> DatasetInfo:
    """Catalogue entry for ``name`` (case-insensitive), or a clear error."""
    key = name.strip().lower()
    if key not in CATALOGUE:
        known = ", ".join(CATALOGUE)
        raise DatasetError(f"Unknown dataset {name!r}. Known datasets: {known}.")
    return CATALOGUE[key]


def supported_info(name: str) -> DatasetInfo:
    """Like ``info`` but refuses subsets MedLens cannot train on yet."""
    entry = info(name)
    if not entry.supported:
        raise DatasetError(
            f"{entry.title} is multi-label (one image can carry several findings); "
            "MedLens supports single-label classification only for now."
        )
    return entry
