"""A small, hand-made results store for the dashboard, report and browser tests.

Six documents in two waves and three segments (one segment name and one
comment carry HTML/JS injections), each sentence tagged with one clue of
the carbone-clues codebook. Tests compute what they expect from these
tables with pandas, independently of the dashboard's SQL.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from cxaudit.compare import compare
from cxaudit.schemas import DOCUMENTS, FEELINGS, SENTENCES, TAGS, TURNS, conform
from cxaudit.store import write_tables

PWN_SEGMENT = '<img src=x onerror="window.__pwned=1">'
PWN_COMMENT = "The app is <script>window.__pwned=1</script> broken, costs $5 and =SUM(A1) fees"
AUDIT_NAME = "Harbour <b>Bank</b> audit"

# doc_id, kind, participant, segment, wave, score, speaker, start_s, text, clue rows
# clue rows: (code, clue_type, touchpoint, evidence, polarity, valence, mode)
_DOCS = [
    ("int/p1", "interview", "P1", "retail", "2026-Q1", 9.0, "Ann", 65.0,
     "The staff were friendly. The queue was long.",
     [("humanic.staff", "humanic", "branch", "staff", 0.6, "positive", "current"),
      ("mechanic.queue", "mechanic", "branch", "queue", -0.5, "negative", "current")]),
    ("int/p2", "interview", "P2", "retail", "2026-Q2", 3.0, "Bob", 3725.0,
     "They charged me twice. I wish the website was clearer.",
     [("functional.billing", "functional", "pay", "charged", -0.7, "negative", "current"),
      ("mechanic.web", "mechanic", "web", "website", 0.2, "positive", "desired")]),
    ("c/1", "comment", None, "business", "2026-Q1", 10.0, None, None,
     "Quick and accurate service from the adviser.",
     [("humanic.staff", "humanic", "get-help", "adviser", 0.8, "positive", "current")]),
    ("c/2", "comment", None, "business", "2026-Q2", 6.0, None, None,
     "The bill was wrong again.",
     [("functional.billing", "functional", "pay", "bill", -0.6, "negative", "current")]),
    ("c/3", "comment", None, PWN_SEGMENT, "2026-Q2", None, None, None,
     PWN_COMMENT,
     [("mechanic.web", "mechanic", "web", "app", -0.4, "negative", "current")]),
    ("c/4", "comment", None, "business", "2026-Q2", 8.0, None, None,
     "The branch was clean.",
     [("mechanic.place", "mechanic", None, "branch", 0.4, "positive", "current")]),
]


def _split(text: str) -> list[str]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch == "." and (i + 1 == len(text) or text[i + 1] == " "):
            out.append(text[start:i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def make_tables(*, with_compare: bool = True) -> dict[str, pd.DataFrame]:
    """The store's tables: documents, turns, sentences, tags, feelings, meta and (by default)
    the compare tables computed by :func:`cxaudit.compare.compare`."""
    docs, turns, sents, tags, feels = [], [], [], [], []
    for doc_id, kind, participant, segment, wave, score, speaker, start_s, text, clues in _DOCS:
        docs.append(dict(doc_id=doc_id, source=f"{doc_id}.txt", kind=kind, participant=participant,
                         segment=segment, wave=wave, score=score, content_hash=doc_id))
        turns.append(dict(doc_id=doc_id, turn_id=0, speaker=speaker, role="participant", start_s=start_s,
                          end_s=None, line=1, text=text))
        pos = 0
        for n, (sentence, clue) in enumerate(zip(_split(text), clues)):
            sid = f"{doc_id}#0.{n}"
            at = text.index(sentence, pos)
            pos = at + len(sentence)
            code, clue_type, touchpoint, evidence, polarity, valence, mode = clue
            sents.append(dict(sentence_id=sid, doc_id=doc_id, turn_id=0, text=sentence, start_char=at,
                              end_char=pos, sentiment=polarity, valence=valence, mode=mode, effort=False,
                              n_words=len(sentence.split())))
            start = sentence.index(evidence)
            tags.append(dict(sentence_id=sid, doc_id=doc_id, codebook="carbone-clues", code=code,
                             clue_type=clue_type, touchpoint=touchpoint, start_char=start,
                             end_char=start + len(evidence), evidence=evidence, polarity=polarity,
                             valence=valence, mode=mode, method="rule", confidence=1.0))
            if valence != "neutral" and mode == "current":
                pole = 1 if valence == "positive" else -1
                feels.append(dict(sentence_id=sid, doc_id=doc_id, feeling="valued" if pole > 0 else "ignored",
                                  axis="valued/ignored", pole=pole, negated=False, start_char=0,
                                  end_char=3, evidence=sentence[:3]))
    tables = {
        "documents": conform(pd.DataFrame(docs), DOCUMENTS),
        "turns": conform(pd.DataFrame(turns), TURNS),
        "sentences": conform(pd.DataFrame(sents), SENTENCES),
        "tags": conform(pd.DataFrame(tags), TAGS),
        "feelings": conform(pd.DataFrame(feels), FEELINGS),
        "meta": pd.DataFrame({"key": ["name"], "value": [AUDIT_NAME]}),
    }
    if with_compare:
        with warnings.catch_warnings():  # the default desired.yml names a touchpoints lens we do not tag
            warnings.simplefilter("ignore")
            tables.update(compare(tables["documents"], tables["sentences"], tables["tags"], tables["feelings"],
                                  n_boot=50))
    return tables


def make_store(out_dir: str | Path, **kw) -> dict[str, pd.DataFrame]:
    """Write the small store into ``out_dir``; returns the tables written."""
    tables = make_tables(**kw)
    write_tables(out_dir, tables)
    return tables


def expected_mentions(tables: dict[str, pd.DataFrame], **filters) -> pd.DataFrame:
    """Clue mentions joined with their documents, filtered with pandas (the tests' oracle)."""
    m = tables["tags"].merge(tables["documents"], on="doc_id", suffixes=("", "_doc"))
    m = m[m["clue_type"] != "none"]
    m["touchpoint"] = m["touchpoint"].fillna("unspecified")
    for col, value in filters.items():
        m = m[m[col] == value]
    return m
