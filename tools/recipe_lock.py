"""The lock of each training recipe's code: a cached artifact is keyed by its config and its code's RECIPE version,
so a change to the code that trains it must either bump RECIPE (the caches rebuild) or be declared neutral.

Each generator family module (the registry's modules) and the classifier module declare RECIPE (an int, 1 for the
code every committed artifact was built with) and RECIPE_CODE (the files and folders whose code decides what
training produces). tests/data/recipe_lock.json holds, per recipe, its version and a fingerprint of that code: a
hash of the normalised syntax tree (comments, docstrings, formatting and the RECIPE lines themselves left out).
tests/test_recipes.py fails, naming the recipe and the command, when the code changed and the lock did not.

    python -m tools.recipe_lock                        # check: which recipes changed since they were locked
    python -m tools.recipe_lock --update gan --neutral # gan's change leaves what training produces unchanged
    python -m tools.recipe_lock --update gan           # after bumping RECIPE in gan's module (caches rebuild)
    python -m tools.recipe_lock --update --all --neutral   # after a merge of behaviour-neutral changes

Only this command writes the lock; the test never does.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "tests" / "data" / "recipe_lock.json"
CLASSIFIER_MODULE = "cgan_study.training.classifier"
FIXMATCH_MODULE = "cgan_study.study.fixmatch"   # the semi-supervised baseline: a cached classifier of its own
DECLARED = ("RECIPE", "RECIPE_CODE")


def recipes() -> dict[str, str]:
    """Recipe name -> module: every registered generator family (one module, maybe several registry names) and
    the classifier."""
    from cgan_study.generators import ENTRIES  # the package's own, not toys a test registered

    modules = dict.fromkeys(entry.module for entry in ENTRIES)
    return {module.rsplit(".", 1)[-1]: module for module in [*modules, CLASSIFIER_MODULE, FIXMATCH_MODULE]}


def module_file(module: str) -> Path:
    return Path(importlib.util.find_spec(module).origin)


def _constant(node: ast.expr, path: Path):
    """An int or a tuple of strings, read from the syntax tree itself (no string is evaluated)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_constant(element, path) for element in node.elts)
    raise ValueError(f"{path}: RECIPE and RECIPE_CODE must be written as plain literals (an int, a tuple of strings)")


def declared(path: Path) -> tuple[int, tuple[str, ...]]:
    """(RECIPE, RECIPE_CODE) of a module, read from its source (nothing imported, so no TensorFlow)."""
    found = {}
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in DECLARED:
                found[node.targets[0].id] = _constant(node.value, path)
    missing = [name for name in DECLARED if name not in found]
    if missing:
        raise ValueError(f"{path} declares no {' and no '.join(missing)}; a recipe's module states RECIPE = 1 and "
                         "RECIPE_CODE = (the files whose code decides what training produces)")
    return int(found["RECIPE"]), tuple(found["RECIPE_CODE"])


def normalised(source: str) -> str:
    """The syntax tree of a module without its docstrings and RECIPE lines: comments and layout never reach it."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value,
                                                                                                     str):
                node.body = body[1:] or [ast.Pass()]
    tree.body = [n for n in tree.body if not (isinstance(n, ast.Assign) and len(n.targets) == 1
                                              and isinstance(n.targets[0], ast.Name) and n.targets[0].id in DECLARED)]
    return ast.dump(tree, include_attributes=False)


def code_files(code: tuple[str, ...], root: Path = ROOT) -> list[Path]:
    files = []
    for item in code:
        path = root / item
        if not path.exists():
            raise FileNotFoundError(f"RECIPE_CODE names {item}, which does not exist; name the files or folders "
                                    "whose code the recipe covers")
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return sorted(dict.fromkeys(files))


def fingerprint(code: tuple[str, ...], root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in code_files(code, root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(normalised(path.read_text()).encode() + b"\0")
    return digest.hexdigest()[:16]


def current() -> dict[str, dict]:
    """Each recipe's declared version and its code's fingerprint, as the code stands."""
    out = {}
    for name, module in recipes().items():
        version, code = declared(module_file(module))
        out[name] = {"module": module, "recipe": version, "fingerprint": fingerprint(code)}
    return out


def read_lock(lock: Path = LOCK) -> dict[str, dict]:
    return json.loads(lock.read_text()) if lock.exists() else {}


def command(name: str, neutral: bool) -> str:
    return f"python -m tools.recipe_lock --update {name}" + (" --neutral" if neutral else "")


def problems(now: dict[str, dict], locked: dict[str, dict]) -> list[str]:
    """One line per recipe whose code or version differs from its lock, naming the fix."""
    out = []
    for name, state in sorted(now.items()):
        old = locked.get(name)
        if old is None:
            out.append(f"{name}: not in {LOCK.relative_to(ROOT)}; record it with `{command(name, False)}`")
        elif state["recipe"] < old["recipe"]:
            out.append(f"{name}: RECIPE went down from {old['recipe']} to {state['recipe']} in {state['module']}; "
                       "a version is never reused (its artifacts are cached under it): restore it")
        elif state["recipe"] > old["recipe"]:
            out.append(f"{name}: RECIPE bumped to {state['recipe']} (locked at {old['recipe']}); record it with "
                       f"`{command(name, False)}`")
        elif state["fingerprint"] != old["fingerprint"]:
            out.append(f"{name}: its training code changed and RECIPE is still {state['recipe']} in "
                       f"{state['module']}: if the change leaves what training produces unchanged, run "
                       f"`{command(name, True)}`; otherwise bump RECIPE there (its cached artifacts rebuild) and "
                       f"run `{command(name, False)}`")
    out.extend(f"{name}: locked but no longer a recipe; remove it with `python -m tools.recipe_lock --update {name}`"
               for name in sorted(set(locked) - set(now)))
    return out


def update(names: list[str], neutral: bool, now: dict[str, dict], locked: dict[str, dict]) -> dict[str, dict]:
    """The lock with `names` recorded as they stand; refuses (ValueError) a code change with neither a bumped
    RECIPE nor --neutral, and a RECIPE that went down."""
    out = dict(locked)
    for name in names:
        if name not in now and name not in locked:
            raise ValueError(f"no recipe named '{name}'; recipes: {', '.join(sorted(now))}")
        if name not in now:
            out.pop(name)
            continue
        state, old = now[name], locked.get(name)
        if old is not None:
            if state["recipe"] < old["recipe"]:
                raise ValueError(f"{name}: RECIPE went down from {old['recipe']} to {state['recipe']}; restore it")
            if (state["recipe"] == old["recipe"] and state["fingerprint"] != old["fingerprint"]) and not neutral:
                raise ValueError(f"{name}: the code changed and RECIPE is still {state['recipe']} in "
                                 f"{state['module']}; bump it (its cached artifacts rebuild), or pass --neutral if "
                                 "what training produces is unchanged")
        out[name] = state
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.recipe_lock", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", nargs="*", metavar="RECIPE", help="record these recipes as they stand")
    parser.add_argument("--all", action="store_true", help="with --update: every recipe that differs")
    parser.add_argument("--neutral", action="store_true",
                        help="the change leaves what training produces unchanged (RECIPE not bumped)")
    args = parser.parse_args(argv)
    now, locked = current(), read_lock()
    if args.update is None:
        found = problems(now, locked)
        print("\n".join(found) if found else f"every recipe matches {LOCK.relative_to(ROOT)}")
        return 1 if found else 0
    names = [n for n in sorted(set(now) | set(locked)) if now.get(n) != locked.get(n)] if args.all else args.update
    if not names:
        print("nothing to update: name the recipes (or pass --all)", file=sys.stderr)
        return 2
    try:
        new = update(names, args.neutral, now, locked)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    tmp = LOCK.with_suffix(".tmp")
    tmp.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    tmp.replace(LOCK)
    print(f"recorded {', '.join(names)} in {LOCK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
