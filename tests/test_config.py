from pathlib import Path

import pytest

from cxaudit.config import ConfigError, load_audit


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "audit.yml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_resolves_paths_relative_to_file(tmp_path):
    (tmp_path / "desired.yml").write_text("motif: [valued]\n")
    cfg = load_audit(write(tmp_path, """
name: Test audit
wave: W1
redact: false
codebooks: [carbone-clues, books/mine.yml]
desired: desired.yml
roles: {interviewer: [Dana]}
inputs:
  - path: interviews
    kind: interview
  - path: comments.csv
    kind: comment
    text_column: comment
    meta_columns: [segment, channel]
"""))
    assert cfg.name == "Test audit" and cfg.wave == "W1" and cfg.redact is False
    assert cfg.inputs[0].path == str(tmp_path / "interviews")
    assert cfg.inputs[1].text_column == "comment" and cfg.inputs[1].meta_columns == ["segment", "channel"]
    assert cfg.codebooks == ["carbone-clues", str(tmp_path / "books/mine.yml")]
    assert cfg.desired == str(tmp_path / "desired.yml")
    assert "dana" in [r.lower() for r in cfg.roles.interviewer]
    assert "interviewer" in [r.lower() for r in cfg.roles.interviewer]  # defaults kept


def test_config_collects_every_problem_with_lines(tmp_path):
    path = write(tmp_path, """
name: x
redact: sometimes
colour: blue
inputs:
  - kind: interview
  - path: a.csv
    txt_column: comment
desired: missing.yml
""")
    with pytest.raises(ConfigError) as err:
        load_audit(path)
    msg = str(err.value)
    assert "unknown setting(s) ['colour']" in msg
    assert "'redact' must be true or false" in msg
    assert f"{path}:6: input 1 needs a 'path'" in msg
    assert "unknown option(s) ['txt_column']" in msg and f"{path}:7" in msg
    assert "missing.yml does not exist" in msg


@pytest.mark.parametrize("text,expected", [
    ("inputs: [\n", "audit.yml:"),
    ("!!python/object:os.system {}\n", "audit.yml:1"),
    ("- just\n- a list\n", "expected a mapping"),
    # a key written twice: YAML would keep the second silently and the first list of inputs would be lost
    ("inputs: [a.txt]\nwave: W1\ninputs: [b.txt]\n", r"audit\.yml:3:1: duplicate key 'inputs' \(first written on line 1\)"),
])
def test_config_rejects_bad_yaml(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected):
        load_audit(write(tmp_path, text))


def test_config_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="audit file not found"):
        load_audit(tmp_path / "nope.yml")


def test_config_overrides(tmp_path):
    cfg = load_audit(write(tmp_path, "inputs: [a.txt]\nmodel: auto\n"), model="blank", wave="W9")
    assert cfg.model == "blank" and cfg.wave == "W9"
    assert cfg.inputs[0].path == str(tmp_path / "a.txt")
