"""Model architectures, registered by name; each builds for any size, channels and classes.

Every model takes float32 images in [0, 1] (``core.data.to_float``) and ends in a
softmax over ``num_classes`` units, binary tasks included, so studios treat all alike.
"""

from collections.abc import Callable

from core.errors import MedLensError
from core.registry import Registry

Builder = Callable[[tuple[int, int, int], int], object]
ARCHITECTURES: Registry[Builder] = Registry("architecture")
DEFAULT_ARCH = "small_cnn"
MOBILENET_MIN = 32  # Keras's MobileNetV2 refuses smaller inputs


def _downsamplings(size: int) -> int:
    """Stride-2 stages that bring ``size`` down to about 7 pixels (28 -> 2, 224 -> 5)."""
    stages = 0
    while size > 10:
        size //= 2
        stages += 1
    return max(stages, 1)


@ARCHITECTURES.add(
    "small_cnn",
    "Small CNN (VGG-style, ~0.16 M parameters): pairs of 3x3 convolutions and pooling, global "
    "average pooling and dropout. Fast on a laptop; the default for 28x28 images.",
)
def small_cnn(input_shape: tuple[int, int, int], num_classes: int):
    from tensorflow import keras

    layers = keras.layers
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    widths = [32, 64, 128, 128, 128][: _downsamplings(input_shape[0])]
    for stage, width in enumerate(widths):
        for conv in range(2):
            x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{stage + 1}_{conv + 1}")(x)
        x = layers.MaxPooling2D(name=f"pool{stage + 1}")(x)
    x = layers.Conv2D(128, 3, padding="same", activation="relu", name="conv_last")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


@ARCHITECTURES.add(
    "resnet",
    "Compact residual network (ResNet-style, ~0.7 M parameters): batch-normalised residual "
    "blocks with identity shortcuts. Slower to train, steadier on larger images.",
)
def resnet(input_shape: tuple[int, int, int], num_classes: int):
    from tensorflow import keras

    layers = keras.layers

    def block(x, width: int, stride: int, name: str):
        shortcut = x
        y = layers.Conv2D(width, 3, strides=stride, padding="same", use_bias=False, name=f"{name}_conv1")(x)
        y = layers.BatchNormalization(name=f"{name}_bn1")(y)
        y = layers.ReLU(name=f"{name}_relu1")(y)
        y = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
        y = layers.BatchNormalization(name=f"{name}_bn2")(y)
        if stride != 1 or shortcut.shape[-1] != width:
            shortcut = layers.Conv2D(width, 1, strides=stride, use_bias=False, name=f"{name}_proj")(shortcut)
            shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
        return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([y, shortcut]))

    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(32, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    widths = [64, 128, 128, 256, 256][: _downsamplings(input_shape[0])]
    x = block(x, 32, 1, "stage0")
    for stage, width in enumerate(widths):
        x = block(x, width, 2, f"stage{stage + 1}")
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="resnet")


@ARCHITECTURES.add(
    "mobilenet_v2",
    "MobileNetV2 (width 0.35, ~0.4 M parameters) with a new head: depthwise-separable blocks made for phones. "
    "The one that can start from ImageNet weights (--weights imagenet); smaller images are enlarged to its 32 px "
    "minimum.",
)
def mobilenet_v2(input_shape: tuple[int, int, int], num_classes: int, pretrained: bool = False):
    from tensorflow import keras

    from core.models.pretrained import ALPHA, imagenet_weights

    side = max(input_shape[0], MOBILENET_MIN)
    weights = str(imagenet_weights(side)) if pretrained else None
    layers = keras.layers
    inputs = keras.Input(input_shape, name="image")
    x = layers.Resizing(side, side, name="to_min_size")(inputs) if side != input_shape[0] else inputs
    x = layers.Concatenate(name="to_rgb")([x] * 3) if input_shape[2] == 1 else x
    x = layers.Rescaling(2.0, offset=-1.0, name="to_imagenet_range")(x)  # MobileNetV2 reads [-1, 1]
    body = keras.applications.MobileNetV2(
        input_shape=(side, side, 3), alpha=ALPHA, include_top=False, weights=weights, input_tensor=x
    )
    x = layers.GlobalAveragePooling2D(name="gap")(body.output)
    x = layers.Dropout(0.3, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v2")


PRETRAINED = frozenset({"mobilenet_v2"})


def build(arch: str, input_shape: tuple[int, int, int], num_classes: int, pretrained: bool = False):
    """A fresh, uncompiled Keras model; raises a clear error for an unknown name, or for pretrained weights an
    architecture has none of."""
    builder = ARCHITECTURES.get(arch)
    if not pretrained:
        return builder(tuple(input_shape), num_classes)
    if arch not in PRETRAINED:
        raise MedLensError(f"{arch} has no pretrained weights; use {', '.join(sorted(PRETRAINED))} or --weights none.")
    return builder(tuple(input_shape), num_classes, pretrained=True)
