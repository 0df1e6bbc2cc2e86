"""Every concrete command the README shows is a real one: each `python -m experiments.sweep ...` line plans its
runs (dry run, in-process, no TensorFlow) and each `make` target it names exists."""
from __future__ import annotations

import re
import shlex

import pytest
from helpers import REPO, run_main

README = (REPO / "README.md").read_text()
BLOCKS = re.findall(r"```bash\n(.*?)```", README, re.S)
# Commands joined across backslash line ends, comments dropped; placeholders (NAME, [...], <...>) are templates.
LINES = [line.split("  #")[0].strip() for block in BLOCKS for line in block.replace("\\\n", " ").splitlines()]
SWEEPS = [line for line in LINES if line.startswith("python -m experiments.sweep")
          and not re.search(r"\[|<|\bNAME\b|\{", line)]


def test_the_readme_shows_sweep_commands():
    assert len(SWEEPS) >= 4, SWEEPS


@pytest.mark.parametrize("line", SWEEPS)
def test_each_sweep_command_of_the_readme_plans_its_runs(monkeypatch, capsys, mnist_path, tmp_path, line):
    args = shlex.split(line)[3:]
    if "--data" in args and args[args.index("--data") + 1].startswith("/shared/"):
        # the cluster recipe's shared path, on another machine: the dry run checks --data, so the local file stands in
        args[args.index("--data") + 1] = str(mnist_path)
    if "--data" in args and args[args.index("--data") + 1] == "icons":
        # the built icon folder (experiments.data icons; not in a fresh clone): a small folder of four classes stands in
        import numpy as np
        from PIL import Image

        from cgan_study import data as D

        for c, name in enumerate(("apps", "devices", "mimetypes", "places")):
            (tmp_path / "icons" / name).mkdir(parents=True)
            for i in range(3):
                Image.fromarray(np.full((8, 8, 3), 40 * c + i, np.uint8)).save(tmp_path / "icons" / name / f"{i}.png")
        monkeypatch.setitem(D.BUILT_FOLDERS, "icons", (tmp_path / "icons", "python -m experiments.data icons"))
    if "--list" not in args and "--dry-run" not in args:
        args.append("--dry-run")
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 0, f"{line}: {err or out}"


def test_every_make_target_the_readme_names_exists():
    makefile = (REPO / "Makefile").read_text()
    named = set(re.findall(r"`?\bmake ([a-z][a-z-]*)", README))
    missing = [t for t in named if not re.search(rf"^{re.escape(t)}:", makefile, re.M)]
    assert named and not missing, missing
