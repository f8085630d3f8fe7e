"""The layout's rule, checked: each stage imports only the stages before it in the data flow (issue 19).

`lint-imports` (import-linter, in the `test` extra) reads the contracts in pyproject.toml's
``[tool.importlinter]``: the stages as layers (cli, run, publish, store, compare, clues, nlp, redact, config,
ingest, the shared modules, errors) and the layers inside publish. No import is ignored. A broken contract
fails here with import-linter's report (which import, at which line), so `make test` and CI catch it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_stages_import_only_the_stages_before_them():
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.is_file(), "lint-imports not found beside the test's Python: install the `test` extra (make test)"
    # this checkout's cxaudit first (a worktree, or an environment whose editable install points elsewhere)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    proc = subprocess.run([str(lint), "--no-logo", "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_the_contracts_ignore_no_import():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config["root_package"] == "cxaudit"
    assert [c["type"] for c in config["contracts"]] == ["layers", "layers"]
    assert all(not c.get("ignore_imports") for c in config["contracts"])
