"""Small hand-made tables shared by the coding, QDPX and learned-tagger tests."""

from __future__ import annotations

import pandas as pd

from cxaudit.clues.codebook import Code, Codebook
from cxaudit.schemas import TAGS, validate

TURNS = [
    # doc_id, turn_id, speaker, role, text
    ("int/alice", 0, "Interviewer", "interviewer", "How was the branch visit?"),
    ("int/alice", 1, "Alice", "participant", "The clerk was rude. The fee was too high, café prices 😬 really."),
    ("int/alice", 2, "Interviewer", "interviewer", "Anything else?"),
    ("int/alice", 3, "Alice", "participant", "=The queue was long but staff were kind."),
    ("survey/17", 0, None, "unknown", "Cheap and clean."),
]

# sentence_id, doc_id, turn_id, start_char, end_char (offsets in the turn text)
SENTENCES = [
    ("int/alice#1.0", "int/alice", 1, 0, 19),
    ("int/alice#1.1", "int/alice", 1, 20, 64),
    ("int/alice#3.0", "int/alice", 3, 0, 40),
    ("survey/17#0.0", "survey/17", 0, 0, 16),
]

CODEBOOK = Codebook(
    name="mini",
    version="1",
    description="A tiny codebook for tests.",
    codes=(
        Code("humanic", "People", "Staff and other customers.", "humanic"),
        Code("humanic.courtesy", "Courtesy", "Politeness of staff.", "humanic", parent="humanic",
             phrases=("rude", "kind", "polite")),
        Code("functional", "Functional", "The what.", "functional"),
        Code("functional.price", "Price", "Fees and prices.", "functional", parent="functional",
             phrases=("fee", "price", "prices", "cheap", "expensive")),
        Code("mechanic", "Mechanic", "Things and places.", "mechanic"),
        Code("mechanic.queue", "Queues", "Waiting in line.", "mechanic", parent="mechanic", phrases=("queue",)),
        Code("mechanic.clean", "Cleanliness", "Clean or dirty.", "mechanic", parent="mechanic",
             phrases=("clean", "dirty")),
    ),
)


def documents() -> pd.DataFrame:
    return pd.DataFrame({"doc_id": ["int/alice", "survey/17"], "source": ["int/alice.txt", "survey.csv"],
                         "kind": ["interview", "comment"]})


def turns() -> pd.DataFrame:
    return pd.DataFrame(TURNS, columns=["doc_id", "turn_id", "speaker", "role", "text"])


def sentences() -> pd.DataFrame:
    text = {(d, t): x for d, t, _, _, x in TURNS}
    rows = []
    for sid, doc, turn, start, end in SENTENCES:
        sent = text[(doc, turn)][start:end]
        rows.append({"sentence_id": sid, "doc_id": doc, "turn_id": turn, "text": sent, "start_char": start,
                     "end_char": end, "sentiment": -0.5 if "rude" in sent else 0.3,
                     "valence": "negative" if "rude" in sent else "positive", "mode": "current",
                     "effort": False, "n_words": len(sent.split())})
    return pd.DataFrame(rows)


def tag(sentence_id: str, code: str, evidence: str | None, *, codebook: str = "mini", clue_type: str = "none",
        valence: str = "neutral", method: str = "rule", confidence: float = 1.0) -> dict:
    """One tags row; evidence None makes a sentence-level tag (offsets null)."""
    sent = sentences().set_index("sentence_id").loc[sentence_id, "text"]
    start = None if evidence is None else sent.index(evidence)
    return {"sentence_id": sentence_id, "doc_id": sentence_id.split("#")[0], "codebook": codebook, "code": code,
            "clue_type": clue_type, "touchpoint": None, "start_char": start,
            "end_char": None if evidence is None else start + len(evidence),
            "evidence": sent if evidence is None else evidence,
            "polarity": {"negative": -0.6, "positive": 0.6}.get(valence, 0.0), "valence": valence,
            "mode": "current", "method": method, "confidence": confidence}


def tags() -> pd.DataFrame:
    rows = [
        tag("int/alice#1.0", "humanic.courtesy", "rude", clue_type="humanic", valence="negative"),
        tag("int/alice#1.1", "functional.price", "fee", clue_type="functional", valence="negative"),
        tag("int/alice#1.1", "functional.price", "prices", clue_type="functional", valence="positive"),
        tag("int/alice#1.1", "functional.price", "café prices 😬", clue_type="functional", valence="negative"),
        tag("int/alice#3.0", "mechanic.queue", "queue", clue_type="mechanic", valence="negative"),
        tag("int/alice#3.0", "humanic.courtesy", "kind", clue_type="humanic", valence="positive"),
        # same span, second code (a learned code outside the codebook)
        tag("int/alice#3.0", "waiting", "queue", codebook="learned", method="model", confidence=0.8),
        # a sentence-level model tag
        tag("survey/17#0.0", "mechanic.clean", None, clue_type="mechanic", valence="positive", method="model",
            confidence=0.9),
    ]
    return validate(pd.DataFrame(rows), TAGS)
