"""The research notebooks: static checks on every numbered notebook, and a papermill run of each on the sample audit.

The static checks are fast; the runs are marked slow (each notebook runs the sample audit, 10–45 s).
Nothing here reads /work/shared/data: the notebooks run on ``data/sample/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
EXPECTED = ["01-ingest", "02-language", "03-clue-scan", "04-current-vs-desired", "05-waves"]
CODING_FILE = ROOT / "data" / "sample" / "coding" / "researcher-coding.csv"

_DEFINITION = re.compile(r"^\s*(async\s+)?(def|class)\s", re.MULTILINE)
_LAMBDA = re.compile(r"\blambda\b")
_ABSOLUTE_PATH = re.compile(r"""["'](/(home|work|tmp|Users|usr|var)/|[A-Za-z]:\\)""")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _parameters_cells(nb) -> list:
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def test_notebooks_all_numbered_notebooks_present():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_valid_and_start_with_markdown(path):
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown", f"{path.name}: the first cell must explain the step"
    assert len(nb.cells[0].source) > 400, f"{path.name}: the opening explanation is too short for a newcomer"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_one_parameters_cell_with_audit_path(path):
    nb = _read(path)
    cells = _parameters_cells(nb)
    assert len(cells) == 1, f"{path.name}: expected exactly one cell tagged 'parameters', found {len(cells)}"
    assert cells[0].cell_type == "code"
    assert re.search(r'^audit = "\.\./data/sample/audit\.yml"', cells[0].source, re.MULTILINE), \
        f"{path.name}: the parameters cell must set audit to ../data/sample/audit.yml"
    assert _code_cells(nb).index(cells[0]) == 0, f"{path.name}: the parameters cell must be the first code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_no_definitions_or_absolute_paths(path):
    for cell in _code_cells(_read(path)):
        assert not _DEFINITION.search(cell.source), f"{path.name}: function/class defined in a cell:\n{cell.source}"
        assert not _LAMBDA.search(cell.source), f"{path.name}: lambda in a cell:\n{cell.source}"
        assert not _ABSOLUTE_PATH.search(cell.source), f"{path.name}: absolute path in a cell:\n{cell.source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_no_stored_outputs(path):
    for cell in _code_cells(_read(path)):
        assert cell.outputs == [], f"{path.name}: stored outputs in cell:\n{cell.source[:80]}"
        assert cell.execution_count is None, f"{path.name}: execution_count is set in cell:\n{cell.source[:80]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_markdown_between_steps(path):
    """No long runs of code cells without a word of explanation."""
    run = longest = 0
    for cell in _read(path).cells:
        run = run + 1 if cell.cell_type == "code" else 0
        longest = max(longest, run)
    assert longest <= 4, f"{path.name}: {longest} code cells in a row without markdown"


def test_notebooks_coding_file_matches_sample_and_codebook():
    """The researcher's coding sheet imports cleanly and its sentences are the sample's sentences."""
    from cxaudit.clues.coding import import_coding

    sheet = pd.read_csv(CODING_FILE, dtype=str, keep_default_na=False)
    assert 80 <= len(sheet) <= 150
    assert sheet["sentence_id"].is_unique
    tags = import_coding(CODING_FILE, codebook="carbone-clues")  # raises on an unknown code or polarity
    assert set(tags["clue_type"]) == {"functional", "mechanic", "humanic"}
    assert (sheet["corrected_codes"] == "").sum() >= 10, "the sheet needs sentences coded as 'no clue' too"
    assert (sheet["corrected_codes"] != sheet["codes"]).sum() >= 20, "the researcher should have corrected the rules"


@pytest.mark.slow
def test_notebooks_coding_file_sentence_ids_still_match_analysis():
    """If sentence splitting changes, the coding sheet's ids would point at other sentences: catch it."""
    from cxaudit.run.analysis import analyze
    from cxaudit.config import load_audit
    from cxaudit.ingest import ingest

    sheet = pd.read_csv(CODING_FILE, dtype=str, keep_default_na=False)
    config = load_audit(ROOT / "data" / "sample" / "audit.yml")
    ing = ingest(config.inputs, roles=config.roles, wave=config.wave)
    wanted = set(sheet["doc_id"])
    sentences = analyze(ing.turns[ing.turns["doc_id"].isin(wanted)]).sentences
    text_of = dict(zip(sentences["sentence_id"], sentences["text"]))
    wrong = [(sid, text) for sid, text in zip(sheet["sentence_id"], sheet["text"]) if text_of.get(sid) != text]
    assert not wrong, f"{len(wrong)} coding rows no longer match the analysed sentences, e.g. {wrong[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_run_on_sample_audit(path, tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path), str(out), cwd=str(NOTEBOOKS_DIR), kernel_name="python3",
        parameters={"results_dir": str(tmp_path / "results")}, progress_bar=False,
    )
    nb = _read(out)
    errors = [o for c in _code_cells(nb) for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
    executed = [c for c in _code_cells(nb) if c.execution_count is not None]
    assert len(executed) == len(_code_cells(nb)), f"{path.name}: not every code cell ran"
    shown = sum(1 for c in _code_cells(nb) for o in c.outputs if o.output_type in ("execute_result", "display_data"))
    assert shown >= len(_code_cells(nb)) // 2, f"{path.name}: only {shown} cells displayed something"
