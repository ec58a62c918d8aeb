"""Rules of the code's shape that a sentence in a guide cannot keep: read from the imports themselves (ast).

- ``core`` never imports Streamlit or ``pages`` (the engine runs without a browser);
- a ``core`` package imports only packages of a lower layer (or its own), so the engine has one direction;
- no ``core`` module takes part in an import cycle;
- pages never import a private (``_``-prefixed) name from ``core``;
- nothing but ``core/runtime/shared_model.py`` calls a Keras model's layers, clones a model or builds one over
  another's layers (every such use goes through the model's ``SharedModel`` and its lock).
"""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Lowest first. A package may import its own modules and any package of a lower layer, never one beside or above.
LAYERS = [
    {"errors"},
    {"text", "registry", "params", "paths", "lesson"},
    {"storage", "jobs", "keras_files"},
    {"steplist", "compute", "runtime"},
    {"data"},
    {"inputs"},
    {"models"},
    {"augment", "compress", "transfer"},
    {"explain"},
    {"viz"},
    {"report"},
    {"cli"},
    {"__main__"},
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import in the file, at any depth (lazy imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


CORE = sorted((ROOT / "core").rglob("*.py"))


def test_every_core_package_has_a_layer():
    packages = {_package(_module(path)) for path in CORE} - {""}
    assert packages <= set(LEVEL), sorted(packages - set(LEVEL))


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_streamlit_pages_or_a_higher_layer(path):
    own = _package(_module(path))
    for module, names in _imports(path):
        top = module.split(".")[0]
        assert top not in ("streamlit", "pages"), f"{path.name} imports {module}"
        targets = [module] if module != "core" else [f"core.{name}" for name in names]
        for target in targets:
            other = _package(target)
            if top != "core" or not other or other == own:
                continue
            assert LEVEL[other] < LEVEL[own], f"{path.relative_to(ROOT)} ({own}) imports {target} ({other})"


def test_no_core_module_is_part_of_an_import_cycle():
    modules = {_module(path): path for path in CORE}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for module, names in _imports(path):
            candidates = [module] + [f"{module}.{n}" for n in names]
            edges.update(c for c in candidates if c in modules and c != name)
        graph[name] = edges
    done, stack = set(), []

    def visit(node: str) -> None:
        if node in stack:
            cycle = [*stack[stack.index(node) :], node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            if not nxt.startswith(node + "."):  # a package's __init__ importing its own modules is not a cycle
                visit(nxt)
        stack.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


@pytest.mark.parametrize("path", [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"], ids=lambda p: p.name)
def test_pages_use_only_public_core_names(path):
    for module, names in _imports(path):
        if module.split(".")[0] != "core":
            continue
        private = [name for name in names if name.startswith("_")]
        private += [part for part in module.split(".") if part.startswith("_") and part != "__main__"]
        assert not private, f"{path.name} imports {private} from {module}"


def test_pages_stay_thin_and_modules_small():
    """A page function reads as widgets -> core calls -> figures in one screen; a module does one job."""
    long_functions = [
        f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted((ROOT / "pages").glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 50
    ]
    assert not long_functions, long_functions
    tables = {ROOT / "core" / "data" / "catalogue.py"}  # a data table, not logic
    big = [
        str(path.relative_to(ROOT))
        for path in [*CORE, *sorted((ROOT / "pages").glob("*.py"))]
        if path not in tables and len(path.read_text(encoding="utf-8").splitlines()) > 300
    ]
    assert not big, big


SHARED_MODEL = ROOT / "core" / "runtime" / "shared_model.py"
PRIVATE_TRAINING = {
    # modules whose direct model calls run on models nobody else holds, with the reason
    ROOT / "core" / "compress" / "finetune.py": "the distiller trains a private copy and its private teacher",
    ROOT / "core" / "transfer" / "strategies.py": "two learning rates train the run's own new model",
    ROOT / "core" / "inputs" / "model_probe.py": "the sandboxed child probes the upload it alone loaded",
}


def _model_uses(path: Path) -> list[str]:
    """What in the file calls a model directly (``...(x, training=...)``, ``.predict(``), clones one
    (``clone_model``) or builds a model over another's layers (``keras.Model(m.inputs, ...)``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "clone_model":
            found.append(f"{node.lineno}: clone_model")
        if not isinstance(node, ast.Call):
            continue
        if any(keyword.arg == "training" for keyword in node.keywords):
            found.append(f"{node.lineno}: a direct model call")
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "Model" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Attribute) and first.attr in ("inputs", "input"):
                found.append(f"{node.lineno}: a model built over another's layers")
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "predict"
            and "runner" not in ast.unparse(func.value).lower()
        ):
            found.append(f"{node.lineno}: Keras predict")
    return found


@pytest.mark.parametrize(
    "path", [*CORE, *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_only_the_shared_model_calls_clones_or_builds_over_a_model(path):
    if path == SHARED_MODEL or path in PRIVATE_TRAINING:
        return
    assert not _model_uses(path), f"{path.relative_to(ROOT)}: use core.runtime.shared_model ({_model_uses(path)})"


def test_the_shared_model_rule_sees_what_it_forbids(tmp_path):
    """The check above can fail: each forbidden use, written plainly, is found."""
    source = tmp_path / "bad.py"
    source.write_text(
        "from tensorflow import keras\n"
        "y = model(x, training=False)\n"
        "copy = keras.models.clone_model(model)\n"
        "probe = keras.Model(model.inputs, model.layers[-2].output)\n"
        "p = model.predict(x)\n"
    )
    assert len(_model_uses(source)) == 4
    assert _model_uses(SHARED_MODEL)  # the one place that may
