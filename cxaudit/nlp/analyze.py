"""The rows of one analysed turn: the ``sentences`` and ``feelings`` tables' row builder.

A turn's text goes through the spaCy pipeline of :mod:`cxaudit.nlp` (with its sentiment, mode,
effort and feelings components); :func:`turn_tuples` turns the processed Doc into table rows. It is
the one row builder of the analysis: ``cxaudit run`` and ``cxaudit.analyze`` call it through the
batch function :func:`cxaudit.run.engine.process_batch` (docs/plan-one-path.md).
:func:`sentence_rows` gives the same rows as dicts, for reading them one by one.
"""

from __future__ import annotations

from typing import Iterator

from spacy.tokens import Doc

from cxaudit.nlp.lexicon import doc_layout, ext_key
from cxaudit.nlp.sentiment import valence
from cxaudit.schemas import FEELINGS, SENTENCES

__all__ = ["sentence_rows", "turn_tuples"]

_K_SCORES, _K_MODE = ext_key("sent_sentiment"), ext_key("sent_mode")
_K_EFFORT, _K_FEELINGS = ext_key("sent_effort"), ext_key("feelings")
_SENT_COLS = SENTENCES.names
_FEEL_COLS = FEELINGS.names


def sentence_rows(doc: Doc, doc_id: str, turn_id: int, *, text: str | None = None) -> tuple[list[dict], list[dict]]:
    """Rows of the ``sentences`` and ``feelings`` tables for one analysed turn.

    ``doc`` is the turn's text after the cxaudit pipeline. Sentence rows have the
    SENTENCES columns (offsets into the turn text; ``n`` in ``sentence_id`` counts
    the kept sentences from 0); feelings rows have the FEELINGS columns (offsets
    into the sentence text). Sentences without an alphabetic token are skipped.
    Passing the turn's ``text`` (identical to ``doc.text``) saves rebuilding it.
    """
    feels: list[tuple] = []
    sents = [dict(zip(_SENT_COLS, row)) for row in _iter_rows(doc, doc_id, turn_id, feels, text)]
    return sents, [dict(zip(_FEEL_COLS, f)) for f in feels]


def turn_tuples(doc: Doc, doc_id: str, turn_id: int, feelings: list, *, text: str | None = None) -> list[tuple]:
    """Sentence rows of one analysed turn as tuples in SENTENCES column order (as
    :func:`sentence_rows`); the turn's feelings rows are appended to ``feelings`` as
    tuples in FEELINGS column order. For the batch engine: no dicts are built."""
    return list(_iter_rows(doc, doc_id, turn_id, feelings, text))


def _iter_rows(doc: Doc, doc_id: str, turn_id: int, feels: list, text: str | None = None) -> Iterator[tuple]:
    """Sentence rows as tuples in SENTENCES column order; appends feelings tuples to ``feels``."""
    bounds, n_alpha, n_words, _, _ = doc_layout(doc)
    if not bounds:
        return
    user_data = doc.user_data
    scores = user_data.get(_K_SCORES)
    modes = user_data.get(_K_MODE)
    efforts = user_data.get(_K_EFFORT)
    feelings = user_data.get(_K_FEELINGS) or ()
    if text is None:
        text = doc.text
    fi, nf = 0, len(feelings)
    n = 0
    for k, (ss, se) in enumerate(bounds):
        if not n_alpha[k]:
            continue
        start = doc[ss].idx
        last = doc[se - 1]
        end = last.idx + len(last.text)
        sid = f"{doc_id}#{turn_id}.{n}"
        n += 1
        score = float(scores[k]) if scores is not None else 0.0
        phrase = efforts[k] if efforts is not None else None
        yield (sid, doc_id, turn_id, text[start:end], start, end, score, valence(score),
               modes[k] if modes is not None else "current", phrase is not None, phrase,
               n_words[k])
        while fi < nf and feelings[fi][4] < start:
            fi += 1
        while fi < nf and feelings[fi][4] < end:
            f = feelings[fi]
            feels.append((sid, doc_id, f[0], f[1], f[2], f[3], f[4] - start, f[5] - start, f[6]))
            fi += 1
