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


# -- a store big enough for the summary's rules: 12 interview participants ------------------------------
# per participant, one sentence per clue row; polarities chosen so the answers are known:
#   functional.billing: every participant, clearly negative (-0.7 … -0.4)     -> priority 1
#   mechanic.queues:    every participant, mildly negative (-0.3 … 0.0)       -> priority 2 (smaller shortfall)
#   mechanic.app:       every participant, clearly positive (0.5 … 0.8)        -> a strength
#   humanic.staff:      3 participants only, very negative (-0.9)             -> small sample: never ranked
# Participant P01's billing sentence also names the app (two tags in one sentence).
SUMMARY_PEOPLE = [f"P{i:02d}" for i in range(1, 13)]


def make_summary_tables() -> dict[str, pd.DataFrame]:
    """Tables of the summary store (see above), with compare tables computed by cxaudit.compare."""
    docs, turns, sents, tags = [], [], [], []
    for i, person in enumerate(SUMMARY_PEOPLE):
        doc_id = f"int/{person}"
        rows = [("The bill was wrong and the charges made no sense to me at all.",
                 [("functional.billing", "functional", "pay", "bill", -0.4 - 0.3 * (i % 4) / 3)]),
                ("The queue in the branch was a bit slow this time around.",
                 [("mechanic.queues", "mechanic", "in-person", "queue", -0.3 + 0.1 * (i % 4))]),
                ("The app is quick and easy to use for everything I need.",
                 [("mechanic.app", "mechanic", "app", "app", 0.5 + 0.1 * (i % 4))])]
        if i == 0:
            rows[0] = ("The bill in the app was wrong and the charges made no sense.",
                       [("functional.billing", "functional", "pay", "bill", -0.55),
                        ("mechanic.app", "mechanic", "app", "app", -0.2)])
        if i < 3:
            rows.append(("The staff member was rude and dismissive to me on the day.",
                         [("humanic.staff", "humanic", "in-person", "staff", -0.9)]))
        text = " ".join(r[0] for r in rows)
        docs.append(dict(doc_id=doc_id, source=f"{doc_id}.txt", kind="interview", participant=person,
                         segment="retail", wave="2026-Q3", date=f"2026-07-{i + 1:02d}", score=float(i % 11),
                         content_hash=doc_id))
        turns.append(dict(doc_id=doc_id, turn_id=0, speaker=person, role="participant", start_s=10.0 * i,
                          end_s=None, line=1, text=text))
        pos = 0
        for n, (sentence, clues) in enumerate(rows):
            sid = f"{doc_id}#0.{n}"
            at = text.index(sentence, pos)
            pos = at + len(sentence)
            mean = sum(c[4] for c in clues) / len(clues)
            valence = "negative" if mean < -0.05 else "positive" if mean > 0.05 else "neutral"
            sents.append(dict(sentence_id=sid, doc_id=doc_id, turn_id=0, text=sentence, start_char=at, end_char=pos,
                              sentiment=mean, valence=valence, mode="current", effort=False,
                              n_words=len(sentence.split())))
            for code, clue_type, touchpoint, evidence, polarity in clues:
                start = sentence.index(evidence)
                tags.append(dict(sentence_id=sid, doc_id=doc_id, codebook="carbone-clues", code=code,
                                 clue_type=clue_type, touchpoint=touchpoint, start_char=start,
                                 end_char=start + len(evidence), evidence=evidence, polarity=polarity,
                                 valence="negative" if polarity < 0 else "positive", mode="current",
                                 method="rule", confidence=1.0))
    return _with_compare(docs, turns, sents, tags, name="Summary audit", n_boot=200)


def _with_compare(docs, turns, sents, tags, *, name: str, n_boot: int) -> dict[str, pd.DataFrame]:
    """The store's tables from row dicts (no feelings), with the compare tables of :func:`cxaudit.compare.compare`."""
    tables = {
        "documents": conform(pd.DataFrame(docs), DOCUMENTS),
        "turns": conform(pd.DataFrame(turns), TURNS),
        "sentences": conform(pd.DataFrame(sents), SENTENCES),
        "tags": conform(pd.DataFrame(tags), TAGS),
        "feelings": conform(pd.DataFrame(columns=FEELINGS.names), FEELINGS),
        "meta": pd.DataFrame({"key": ["name"], "value": [name]}),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables.update(compare(tables["documents"], tables["sentences"], tables["tags"], tables["feelings"],
                              n_boot=n_boot))
    return tables


def make_summary_store(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Write the summary store into ``out_dir``; returns the tables written."""
    tables = make_summary_tables()
    write_tables(out_dir, tables)
    return tables


# -- a store whose quotes took their feeling from the next sentence (tags.feeling_from = 'follow') ------------
# doc_id, participant, [(turn text, [(sentence index, code, evidence, polarity, valence, feeling_from)])]
FOLLOW_DOCS = [
    ("c/f1", "F1", [("Promised a call back within 48 hours. Never came. I rang <b>again</b>.",
                     [(0, "humanic.staff", "call back", -0.6, "negative", "follow")])]),
    ("c/f2", "F2", [("The staff were lovely. I would come back.",
                     [(0, "humanic.staff", "staff", 0.7, "positive", "clause")])]),
    # the verdict is never taken across turns: the last sentence of turn 0 has no next sentence to show
    ("c/f3", "F3", [("The bill arrived on Monday.", [(0, "functional.billing", "bill", -0.4, "negative", "follow")]),
                    ("Fine, thanks.", [])]),
]


def make_follow_tables(*, feeling_from: bool = True) -> dict[str, pd.DataFrame]:
    """Tables of the follow store (above), with compare tables; ``feeling_from=False``: the tags table has no
    ``feeling_from`` column, as a store written before it was recorded."""
    docs, turns, sents, tags = [], [], [], []
    for doc_id, person, doc_turns in FOLLOW_DOCS:
        docs.append(dict(doc_id=doc_id, source=f"{doc_id}.txt", kind="comment", participant=person,
                         segment="retail", wave="2026-Q1", score=5.0, content_hash=doc_id))
        for turn_id, (text, clues) in enumerate(doc_turns):
            turns.append(dict(doc_id=doc_id, turn_id=turn_id, speaker=None, role="participant", start_s=None,
                              end_s=None, line=turn_id + 1, text=text))
            pos = 0
            for n, sentence in enumerate(_split(text)):
                sid = f"{doc_id}#{turn_id}.{n}"
                at = text.index(sentence, pos)
                pos = at + len(sentence)
                own = [c for c in clues if c[0] == n]
                sents.append(dict(sentence_id=sid, doc_id=doc_id, turn_id=turn_id, text=sentence, start_char=at,
                                  end_char=pos, sentiment=own[0][3] if own else 0.0,
                                  valence=own[0][4] if own else "neutral", mode="current", effort=False,
                                  n_words=len(sentence.split())))
                for _, code, evidence, polarity, valence, source in own:
                    start = sentence.index(evidence)
                    tags.append(dict(sentence_id=sid, doc_id=doc_id, codebook="carbone-clues", code=code,
                                     clue_type=code.split(".")[0], touchpoint="get-help", start_char=start,
                                     end_char=start + len(evidence), evidence=evidence, polarity=polarity,
                                     valence=valence, mode="current", method="rule", confidence=0.63,
                                     feeling_from=source))
    tables = _with_compare(docs, turns, sents, tags, name="Follow audit", n_boot=50)
    if not feeling_from:
        tables["tags"] = tables["tags"].drop(columns=["feeling_from"])
    return tables


def make_follow_store(out_dir: str | Path, **kw) -> dict[str, pd.DataFrame]:
    """Write the follow store into ``out_dir``; returns the tables written."""
    tables = make_follow_tables(**kw)
    write_tables(out_dir, tables)
    return tables
