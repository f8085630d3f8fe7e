from pathlib import Path

import pandas as pd
import pytest

from cxaudit.schemas import SCHEMAS, TAGS, TURNS, SchemaError, conform, empty, tables_markdown, validate

DOCS = Path(__file__).resolve().parent.parent / "docs" / "tables.md"


def test_schemas_docs_page_is_up_to_date():
    assert DOCS.read_text(encoding="utf-8") == tables_markdown(), "regenerate docs/tables.md (see its first line)"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schemas_empty_tables_validate(name):
    df = validate(empty(SCHEMAS[name]), SCHEMAS[name])
    assert list(df.columns) == SCHEMAS[name].names and len(df) == 0


def test_schemas_conform_casts_and_orders():
    df = pd.DataFrame({"text": ["hi"], "role": ["participant"], "turn_id": [0], "doc_id": [12], "junk": [1]})
    out = conform(df, TURNS)
    assert list(out.columns) == TURNS.names
    assert out.loc[0, "doc_id"] == "12" and out["turn_id"].dtype == "Int64" and pd.isna(out.loc[0, "speaker"])


def test_schemas_validate_reports_bad_values():
    df = pd.DataFrame({"doc_id": ["a"], "turn_id": [0], "role": ["boss"], "text": ["x"]})
    with pytest.raises(SchemaError, match=r"turns.role: unexpected value\(s\) \['boss'\]"):
        validate(df, TURNS)
    with pytest.raises(SchemaError, match="missing required column"):
        validate(pd.DataFrame({"doc_id": ["a"]}), TURNS)
    df = pd.DataFrame({"doc_id": [None], "turn_id": [0], "role": ["participant"], "text": ["x"]})
    with pytest.raises(SchemaError, match="turns.doc_id: 1 null"):
        validate(df, TURNS)


def test_schemas_tags_clue_types_are_carbones():
    assert TAGS.column("clue_type").allowed == ("functional", "mechanic", "humanic", "none")
