"""Shared fixtures. Tests build their own small inputs; nothing here reads ../shared/data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_results(tmp_path_factory) -> Path:
    """The bundled sample audit, run once per test session through the pipeline."""
    from cxaudit.config import load_audit
    from cxaudit.run.pipeline import run_audit

    out = tmp_path_factory.mktemp("sample-results")
    run_audit(load_audit(SAMPLE / "audit.yml"), out)
    return out


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the sample audit folder."""
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("results", "_*.py"))
    return dst
