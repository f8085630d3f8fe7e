"""Every error cxaudit raises on purpose derives from one base, CxauditError (cxaudit/errors.py)."""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil

import pytest

import cxaudit
from cxaudit.errors import CxauditError
from cxaudit.ingest.base import IngestError

#: Modules that need an optional extra to import (skipped when it is absent).
OPTIONAL = ("cxaudit.run.dask_engine", "cxaudit.clues.learned.finetune", "cxaudit.nlp.encoder")


def _modules():
    for info in pkgutil.walk_packages(cxaudit.__path__, "cxaudit."):
        if info.name.endswith("__main__"):
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:
            if info.name in OPTIONAL:
                continue
            raise


def test_every_error_class_of_cxaudit_derives_from_cxaudit_error():
    found = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException) and not issubclass(obj, Warning)
                    and obj.__module__ == module.__name__):
                found[f"{module.__name__}.{name}"] = obj
    assert len(found) >= 15, sorted(found)  # the scan saw the package's errors
    stray = sorted(name for name, cls in found.items() if not issubclass(cls, CxauditError))
    assert stray == [], f"errors outside CxauditError: {stray}"


def test_cxaudit_error_keeps_the_place_and_the_builtin_base():
    err = IngestError("answers.csv", 12, "the score is not a number")
    assert isinstance(err, CxauditError) and isinstance(err, ValueError)
    assert (err.path, err.line, err.reason, err.where) == ("answers.csv", 12, "the score is not a number",
                                                           "answers.csv:12")
    plain = CxauditError("something went wrong")
    assert plain.where is None and str(plain) == "something went wrong"
    placed = CxauditError("bad", path="audit.yml", line=4, reason="unknown key")
    assert placed.where == "audit.yml:4"
    back = pickle.loads(pickle.dumps(placed))  # errors cross process boundaries (workers)
    assert (back.path, back.line, back.reason, str(back)) == ("audit.yml", 4, "unknown key", "bad")


def test_one_except_clause_catches_any_cxaudit_error(tmp_path):
    from cxaudit.config import load_audit

    bad = tmp_path / "audit.yml"
    bad.write_text("inputs: 3\n", encoding="utf-8")
    with pytest.raises(CxauditError):
        load_audit(bad)


@pytest.mark.parametrize("kind", ["audit", "codebook", "coding", "coded"])
def test_errors_about_a_place_in_a_file_carry_path_line_and_reason(tmp_path, kind):
    from cxaudit.clues.codebook import load_codebook
    from cxaudit.clues.coding import import_coding
    from cxaudit.clues.learned import load_coded
    from cxaudit.config import load_audit

    if kind == "audit":
        path, read, line = tmp_path / "audit.yml", load_audit, 3
        path.write_text("name: x\ninputs: [\n  - a: b\n", encoding="utf-8")
        reason = "did not find expected node content"
    elif kind == "codebook":
        path, read, line = tmp_path / "book.yml", lambda p: load_codebook(str(p)), 3
        path.write_text("name: x\ncodes: [\n", encoding="utf-8")
        reason = "not valid safe YAML: did not find expected node content"
    elif kind == "coding":
        path, read, line = tmp_path / "coding.csv", import_coding, 3
        path.write_text("sentence_id,text,corrected_codes,corrected_polarity\ns1,hi,x,\ns2,yo,x,weird\n",
                        encoding="utf-8")
        reason = "unknown polarity 'weird'; expected one of ['positive', 'negative', 'neutral', 'conflict']"
    else:
        path, read, line = tmp_path / "coded.csv", load_coded, 3
        path.write_text("text,code\nThe fee was high.,price\n,price\n", encoding="utf-8")
        reason = "empty text"
    with pytest.raises(CxauditError) as info:
        read(path)
    err = info.value
    assert (err.path, err.line, err.reason) == (str(path), line, reason)
    assert reason in str(err) and str(path) in str(err)  # the message the CLI prints is unchanged
