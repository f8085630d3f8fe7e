"""The documentation's examples run, and its pages stay in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def python_blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_docs_python_blocks_compile(page):
    for i, block in enumerate(python_blocks(page)):
        compile(block, f"{page.name}[{i}]", "exec")


@pytest.mark.slow
def test_docs_api_page_runs_top_to_bottom(monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = python_blocks(DOCS / "api.md")
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"api.md[{i}]", "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["result"].n_tags > 0 and len(namespace["top"]) > 0


def test_docs_readme_keeps_exactly_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
