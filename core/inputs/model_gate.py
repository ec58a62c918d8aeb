"""The first model gate: a ``.keras`` config, read as plain JSON, is accepted only if every object in it is
an exact ``(module, class_name)`` pair on an allow-list and every connection between layers is a plain
reference to another layer's output.

tf-keras resolves a class by ``class_name`` whatever ``module`` says, and ``safe_mode`` does not stop op
layers (``ClassMethod``, ``TFOpLambda`` …), which can call any TensorFlow function while the model loads —
``tf.io.write_file`` included. So nothing here trusts a module name alone, and constants or keyword
arguments smuggled through inbound nodes (the ``_CONSTANT_VALUE`` form) are refused.
"""

from core.errors import InputError

MAX_DEPTH = 64

_LAYER_WORDS = """
InputLayer Dense Conv1D Conv2D Conv3D SeparableConv2D DepthwiseConv2D Conv2DTranspose MaxPooling2D
AveragePooling2D GlobalAveragePooling2D GlobalMaxPooling2D MaxPooling1D AveragePooling1D
GlobalAveragePooling1D GlobalMaxPooling1D BatchNormalization LayerNormalization GroupNormalization
Dropout SpatialDropout2D GaussianNoise GaussianDropout Flatten Reshape Permute RepeatVector
ZeroPadding2D Cropping2D UpSampling2D Activation ReLU LeakyReLU PReLU ELU Softmax ThresholdedReLU
Add Subtract Multiply Average Maximum Minimum Concatenate Dot Rescaling Normalization Resizing CenterCrop
"""
_FAMILIES = {
    "keras.initializers": """GlorotUniform GlorotNormal HeNormal HeUniform LecunNormal LecunUniform Zeros Ones
        Constant RandomNormal RandomUniform TruncatedNormal VarianceScaling Orthogonal Identity""",
    "keras.regularizers": "L1 L2 L1L2 OrthogonalRegularizer",
    "keras.constraints": "MaxNorm NonNeg UnitNorm MinMaxNorm RadialConstraint",
    "keras.optimizers": "Adam AdamW SGD RMSprop Adagrad Adadelta Adamax Nadam Ftrl",
    "keras.optimizers.legacy": "Adam SGD RMSprop Adagrad Adadelta Adamax Nadam Ftrl",
    "keras.optimizers.schedules": """ExponentialDecay PiecewiseConstantDecay PolynomialDecay InverseTimeDecay
        CosineDecay CosineDecayRestarts""",
    "keras.losses": """CategoricalCrossentropy SparseCategoricalCrossentropy BinaryCrossentropy
        BinaryFocalCrossentropy CategoricalFocalCrossentropy MeanSquaredError MeanAbsoluteError Huber""",
    "keras.metrics": """AUC Accuracy BinaryAccuracy CategoricalAccuracy SparseCategoricalAccuracy Precision Recall
        TopKCategoricalAccuracy SparseTopKCategoricalAccuracy Mean MeanMetricWrapper""",
    "keras.mixed_precision": "Policy",
    "keras.layers": _LAYER_WORDS,
}
MODELS = frozenset(
    {
        ("keras", "Functional"),
        ("keras", "Sequential"),
        ("tf_keras.src.engine.functional", "Functional"),
        ("tf_keras.src.engine.sequential", "Sequential"),
    }
)
ALLOWED = MODELS | frozenset((module, word) for module, words in _FAMILIES.items() for word in words.split())
_ACTIVATION_WORDS = """linear relu relu6 sigmoid softmax softplus softsign tanh elu selu exponential hard_sigmoid swish
    silu gelu leaky_relu mish log_softmax"""
ACTIVATIONS = frozenset(_ACTIVATION_WORDS.split())
# Layers that run Python or TensorFlow calls named in the file: named in the refusal whatever the module.
CODE_LAYERS = frozenset(
    {"Lambda", "TFOpLambda", "SlicingOpLambda", "ClassMethod", "InstanceMethod", "InstanceProperty"}
)
OBJECT_KEYS = frozenset(
    {"module", "class_name", "config", "registered_name", "build_config", "compile_config", "name", "inbound_nodes"}
)
CALL_KWARGS = frozenset({"training", "mask"})  # values None/True/False only


def check_config(config, name: str) -> None:
    """Refuse ``config`` (a parsed ``config.json``) unless it is a model built only from allow-listed objects."""
    if not isinstance(config, dict) or (config.get("module"), config.get("class_name")) not in MODELS:
        raise InputError(f"{name}'s config does not describe a Keras Functional or Sequential model; refusing it.")
    _walk(config, name, 0)


def _walk(value, name: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InputError(f"{name}'s config is nested too deeply to be a Keras model; refusing it.")
    if isinstance(value, dict):
        if "class_name" in value or "module" in value:
            _check_object(value, name)
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"{name}'s config has a key that is not text; refusing it.")
            if key.startswith("activation") or key == "recurrent_activation":
                _check_activation(item, name)
            _walk(item, name, depth + 1)
        if value.get("class_name") == "Functional":  # after its layers, so a refusal names the worst problem
            _check_graph(value.get("config"), name)
    elif isinstance(value, list):
        for item in value:
            _walk(item, name, depth + 1)


def _check_object(obj: dict, name: str) -> None:
    module, class_name = obj.get("module"), obj.get("class_name")
    if not isinstance(class_name, str) or not isinstance(module, str):
        raise InputError(f"{name}'s config has an object without a text module and class name; refusing it.")
    if class_name in CODE_LAYERS:
        raise InputError(
            f"{name} contains a {class_name[:40]} layer, which runs code named in the file; MedLens never runs code "
            "from a model file. Rebuild the model without it."
        )
    if (module, class_name) == ("keras.activations", "function"):
        _check_activation(obj.get("config"), name)
    elif (module, class_name) not in ALLOWED:
        raise InputError(
            f"{name} uses the class {class_name[:60]!r} from the module {module[:60]!r}, which is not on MedLens's "
            "list of plain Keras classes; rebuild the model with standard layers."
        )
    registered = obj.get("registered_name")
    if registered is not None and registered != class_name:
        raise InputError(f"{name} uses the custom object {str(registered)[:80]!r}; only built-in Keras classes load.")
    extra = set(obj) - OBJECT_KEYS
    if extra:
        raise InputError(f"{name}'s config has unexpected fields {sorted(map(str, extra))[:3]}; refusing it.")


def _check_activation(value, name: str) -> None:
    if isinstance(value, dict):
        return  # a serialized object: checked as one by the walk
    if value is not None and value not in ACTIVATIONS:
        raise InputError(f"{name} names the activation {str(value)[:60]!r}, which is not a built-in one; refusing it.")


def _check_graph(config, name: str) -> None:
    """Inbound nodes, inputs and outputs may only reference other layers' outputs: no constants, no arguments."""
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise InputError(f"{name}'s model config has no list of layers; refusing it.")
    layers = [layer for layer in config["layers"] if isinstance(layer, dict)]
    names = {layer.get("name") for layer in layers}
    if None in names or len(names) != len(config["layers"]):
        raise InputError(f"{name}'s layers must each have a unique name; refusing it.")
    for layer in layers:
        nodes = layer.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise InputError(f"{name}'s layer connections are malformed; refusing it.")
        for node in nodes:
            if not isinstance(node, list):
                raise InputError(f"{name} connects a layer in a form MedLens does not read; refusing it.")
            for reference in node:
                _check_reference(reference, names, name, call=True)
    for key in ("input_layers", "output_layers"):
        for reference in config.get(key) or []:
            _check_reference(reference, names, name, call=False)


def _check_reference(reference, names: set, name: str, call: bool) -> None:
    plain = (
        isinstance(reference, list)
        and len(reference) in ((3, 4) if call else (3,))
        and isinstance(reference[0], str)
        and reference[0] in names
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in reference[1:3])
    )
    if not plain:
        raise InputError(
            f"{name} feeds a layer something other than another layer's output (a constant or code); refusing it."
        )
    kwargs = reference[3] if len(reference) == 4 else {}
    if not isinstance(kwargs, dict) or any(
        key not in CALL_KWARGS or value not in (None, True, False) for key, value in kwargs.items()
    ):
        raise InputError(f"{name} passes arguments to a layer call that plain models never pass; refusing it.")
