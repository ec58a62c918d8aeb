import numpy as np
import pytest

from core.errors import MedLensError
from core.models.architectures import ARCHITECTURES, build

SHAPES = [((28, 28, 1), 2), ((28, 28, 3), 5), ((64, 64, 1), 11), ((128, 128, 3), 8)]


@pytest.mark.parametrize("arch", ARCHITECTURES.names)
@pytest.mark.parametrize(("shape", "classes"), SHAPES)
def test_every_architecture_builds_for_every_shape(arch, shape, classes):
    model = build(arch, shape, classes)
    assert model.input_shape == (None, *shape)
    assert model.output_shape == (None, classes)
    probabilities = np.asarray(model(np.zeros((2, *shape), dtype=np.float32)))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_every_architecture_has_a_description():
    assert {"small_cnn", "resnet"} <= set(ARCHITECTURES.names)
    assert all(len(entry.description) > 40 for entry in ARCHITECTURES.entries())


def test_unknown_architecture_is_refused():
    with pytest.raises(MedLensError, match="Unknown architecture 'vgg99'"):
        build("vgg99", (28, 28, 1), 2)
