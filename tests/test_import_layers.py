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


_CYCLES = r"""
import json, sys
import grimp

graph = grimp.build_graph("cxaudit", cache_dir=None)
edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
index, low, stack, on, cycles = {}, {}, [], set(), []


def visit(v):  # Tarjan's strongly connected components, iteratively deep enough for this package
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        ring = []
        while True:
            w = stack.pop()
            on.discard(w)
            ring.append(w)
            if w == v:
                break
        if len(ring) > 1:
            cycles.append(sorted(ring))


sys.setrecursionlimit(10_000)
for module in sorted(edges):
    if module not in index:
        visit(module)
print(json.dumps({"modules": len(edges), "cycles": cycles}))
"""


def _cycles_in(root: Path) -> dict:
    import json

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    proc = subprocess.run([sys.executable, "-c", _CYCLES], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_no_import_circle_counting_imports_inside_functions():
    """No module imports, even inside a function, a module that imports it back (issue 19, item 4): a
    package and its own modules included, which the layers contracts do not see."""
    found = _cycles_in(ROOT)
    assert found["modules"] > 100
    assert found["cycles"] == [], found["cycles"]


def test_the_circle_check_finds_a_circle(tmp_path):
    package = tmp_path / "cxaudit"
    package.mkdir()
    (package / "__init__.py").write_text("from . import a\n", encoding="utf-8")
    (package / "a.py").write_text("def f():\n    from cxaudit import b  # inside a function\n", encoding="utf-8")
    (package / "b.py").write_text("import cxaudit.a\n", encoding="utf-8")
    assert _cycles_in(tmp_path)["cycles"] == [["cxaudit.a", "cxaudit.b"]]


def _unexplained_inner_imports(package: Path) -> list[str]:
    """Imports inside functions with no comment on their line or just above their block of imports."""
    import ast

    found = []
    for path in sorted(package.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        import_lines = {k for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                        for k in range(n.lineno - 1, n.end_lineno)}
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                if any("#" in lines[k] for k in range(node.lineno - 1, node.end_lineno)):
                    continue
                k = node.lineno - 2  # up over the block of imports (blank lines between them too) to its comment
                while k >= 0 and (not lines[k].strip() or k in import_lines):
                    k -= 1
                if k < 0 or not lines[k].strip().startswith("#"):
                    found.append(f"{path.relative_to(package.parent)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


def test_every_import_inside_a_function_says_why():
    """Imports stand at module top; one inside a function (an optional extra, a heavy module loaded on
    first use, spaCy kept out of a quick path) carries a comment naming its reason (issue 19, item 4)."""
    assert _unexplained_inner_imports(ROOT / "cxaudit") == []


def test_the_inner_import_check_finds_an_unexplained_one(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text(
        "def explained():\n    # lazy: heavy\n    import json\n\n    import csv\n    return json, csv\n\n\n"
        "def same_line():\n    import json  # lazy: heavy\n    return json\n\n\n"
        "def silent():\n    x = 1\n    import json\n    return json, x\n", encoding="utf-8")
    assert _unexplained_inner_imports(package) == ["pkg/m.py:16: import json"]
