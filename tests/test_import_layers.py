"""Lower layers never import higher ones (docs/ARCHITECTURE: config and data < runtime < training < generators <
study < reporting < sweeps < experiments). Every import of the package's code is read with ast, those inside functions too
(a deferred import is still a dependency), and an upward one fails naming the file, the line and the module."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The layers, lowest first: a module may import its own layer and those below. Top-level modules of the package
# sit in the layer of what they import (plotting writes through runtime's atomic files).
LAYERS = (
    ("cgan_study/__init__.py", "cgan_study/quiet_tf.py", "cgan_study/sections.py", "cgan_study/config.py",
     "cgan_study/data.py", "cgan_study/images.py", "cgan_study/image_folder.py", "cgan_study/icon_dataset.py",
     "cgan_study/tensors.py"),
    ("cgan_study/runtime/", "cgan_study/plotting.py"),
    ("cgan_study/training/",),
    ("cgan_study/generators/",),
    ("cgan_study/study/",),
    ("cgan_study/reporting/",),
    # A sweep declares its report (a function of reporting, imported inside it so the CLIs start light) and reads
    # earlier results through reporting.tables; the CLIs read the declarations.
    ("cgan_study/sweeps/",),
    ("experiments/",),
)

# Known upward imports, each with why it stays. config's validation reads the declared records of the keys it
# checks (the generator registry, the GAN losses, the strategies): plain data, imported when a config is validated.
ALLOWED = {
    ("cgan_study/config.py", "cgan_study.generators"),
    ("cgan_study/config.py", "cgan_study.generators.gan.losses"),
    ("cgan_study/config.py", "cgan_study.study.strategies"),
}


def layer_of(path: str) -> int | None:
    for level, members in enumerate(LAYERS):
        if any(path == m or (m.endswith("/") and path.startswith(m)) for m in members):
            return level
    return None


def module_path(module: str) -> str | None:
    """'cgan_study.study.stages' -> 'cgan_study/study/stages.py' (or the package's __init__.py)."""
    base = ROOT / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate.relative_to(ROOT).as_posix()
    return None


def imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of the package's own code in a file, at any depth."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from cgan_study.study import classifier` imports a module: count the submodule when it is one
            out += [(node.lineno, f"{node.module}.{alias.name}" if module_path(f"{node.module}.{alias.name}")
                     else node.module) for alias in node.names]
    return list(dict.fromkeys((line, m) for line, m in out if m.split(".")[0] in ("cgan_study", "experiments")))


def upward_imports(rel: str, source: str) -> list[str]:
    """The imports of one file (its repository path and text) that reach above its layer."""
    mine = layer_of(rel)
    assert mine is not None, f"{rel} is in no layer: add it to LAYERS in tests/test_import_layers.py"
    found = []
    for line, module in imports(source):
        target = module_path(module)
        theirs = layer_of(target) if target else None
        if theirs is not None and theirs > mine and (rel, module) not in ALLOWED:
            found.append(f"{rel}:{line} imports {module} ({LAYERS[theirs][0].rstrip('/')} is above "
                         f"{LAYERS[mine][0].rstrip('/')})")
    return found


def test_no_module_imports_a_higher_layer():
    files = sorted([*ROOT.glob("cgan_study/**/*.py"), *ROOT.glob("experiments/**/*.py")])
    found = [line for path in files for line in upward_imports(path.relative_to(ROOT).as_posix(), path.read_text())]
    assert not found, "upward imports (move the thing to the layer that owns it, or pass it in):\n" + "\n".join(found)


def test_an_upward_import_is_found_and_named_even_inside_a_function():
    source = "from cgan_study.runtime import results\n\ndef f():\n    from cgan_study.study import stages\n"
    assert upward_imports("cgan_study/runtime/probe.py", source) == [
        "cgan_study/runtime/probe.py:4 imports cgan_study.study.stages (cgan_study/study is above cgan_study/runtime)"]
    assert upward_imports("cgan_study/reporting/probe.py", source) == []
    # reporting sits below the sweep declarations: a report reading the registry is an upward import
    assert upward_imports("cgan_study/reporting/probe.py", "from cgan_study.sweeps import SWEEPS\n") == [
        "cgan_study/reporting/probe.py:1 imports cgan_study.sweeps (cgan_study/sweeps is above cgan_study/reporting)"]
