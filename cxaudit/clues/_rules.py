"""Internals of the rule tagger: lemma expansion and turning matched spans into ``tags`` rows."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Span

from cxaudit.nlp.sentiment import clause_polarity, valence

log = logging.getLogger(__name__)

#: Confidence of a match of two or more tokens, of a single token, and the factor in a question.
CONF_MULTI, CONF_SINGLE, QUESTION_FACTOR = 0.9, 0.7, 0.7
#: A sentiment hit with |valence| >= STRONG (VADER's -4 … 4 scale) is "strong".
STRONG = 1.5
_CLAUSE_WORDS = {"but", "although", "though", "however", "whereas", "yet", "while", "except"}
_CLAUSE_PUNCT = {",", ";", ":", "—", "–", "(", ")", "!", "?", "."}


@lru_cache(maxsize=1)
def _inverse_lookup() -> dict[str, frozenset[str]]:
    """{lemma: lower-cased forms} inverted from spaCy's English lemma lookup table."""
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - a core dependency
        log.warning("spacy-lookups-data is not installed: lemmas match their own form only")
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        table = json.load(fh)
    inverse: dict[str, set[str]] = {}
    for form, lemma in table.items():
        inverse.setdefault(lemma.lower(), set()).add(form.lower())
    return {k: frozenset(v) for k, v in inverse.items()}


def lemma_forms(lemma: str) -> set[str]:
    """The lower-cased forms that match ``lemma``: itself plus every form the English lookup
    table maps to it, except suppletive ones not sharing its first two letters
    ("went" for go, "better" for well, "worse" for wrong): list those explicitly."""
    lemma = lemma.lower()
    forms = {f for f in _inverse_lookup().get(lemma, ()) if f[:2] == lemma[:2]}
    return forms | {lemma}


def clause_bounds(doc: Doc, start_char: int, end_char: int, *,
                  sentence: tuple[int, int] | None = None) -> tuple[int, int]:
    """Character bounds of the clause around [start_char, end_char): the tokens up to the
    nearest clause boundary (punctuation, "but", "although", …) within the sentence.

    ``sentence`` gives the sentence's token bounds when the caller knows them (cheap);
    otherwise they are looked up (``Doc.has_annotation`` walks the whole Doc).
    """
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    if span is None:
        return start_char, end_char
    if sentence is not None:
        sent_start, sent_end = sentence
    else:
        sent_start, sent_end = (span.sent.start, span.sent.end) if doc.has_annotation("SENT_START") else (0, len(doc))
    i = span.start
    while i > sent_start and doc[i - 1].text not in _CLAUSE_PUNCT and doc[i - 1].lower_ not in _CLAUSE_WORDS:
        i -= 1
    j = span.end
    while j < sent_end and doc[j].text not in _CLAUSE_PUNCT and doc[j].lower_ not in _CLAUSE_WORDS:
        j += 1
    return doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)


def valence_of(doc: Doc, start_char: int, end_char: int, polarity: float, *,
               sentence: tuple[int, int] | None = None) -> str:
    """"mixed" when the clause around the span holds a strongly positive and a strongly
    negative sentiment hit (``doc._.valence`` values >= STRONG and <= -STRONG, VADER's scale,
    after negation and boosters); else negative/neutral/positive from ``polarity``."""
    lo, hi = clause_bounds(doc, start_char, end_char, sentence=sentence)
    span = doc.char_span(lo, hi, alignment_mode="expand")
    hits = [v for s, e, v in (doc._.valence or ()) if span is not None and e > span.start and s < span.end]
    if any(v >= STRONG for v in hits) and any(v <= -STRONG for v in hits):
        return "mixed"
    return valence(polarity)


def confidence_of(span: Span, mode: str, sentence_text: str) -> float:
    """0.9 for a match of several tokens, 0.7 for one token; times 0.7 inside a question."""
    conf = CONF_MULTI if len(span) > 1 else CONF_SINGLE
    if mode == "question" or sentence_text.rstrip().endswith("?"):
        conf *= QUESTION_FACTOR
    return round(conf, 3)


def _mentions(spans: Sequence[Span]) -> list[Span]:
    """Distinct mentions of one code: of overlapping spans keep the longest (earliest on ties)."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start_char, -(s.end_char - s.start_char))):
        if out and span.start_char < out[-1].end_char:
            if span.end_char - span.start_char > out[-1].end_char - out[-1].start_char:
                out[-1] = span
            continue
        out.append(span)
    return out


def _nearest(spans: Sequence[Span], span: Span) -> str | None:
    """Label of the span nearest to ``span`` (0 when overlapping; earliest on ties)."""
    best, best_dist = None, None
    for s in spans:
        dist = max(0, s.start_char - span.end_char, span.start_char - s.end_char)
        if best_dist is None or dist < best_dist or (dist == best_dist and s.start_char < best.start_char):
            best, best_dist = s, dist
    return best.label_ if best is not None else None


def _sentence_of(rows: Sequence[dict], span: Span) -> dict | None:
    for row in rows:
        if int(row["start_char"]) <= span.start_char and span.end_char <= int(row["end_char"]):
            return row
    return None


def rows_for_doc(doc: Doc, sentence_rows: Sequence[dict], doc_id: str, info: dict, *,
                 key_of: Callable[[str], str], touchpoints_codebook: str) -> list[dict]:
    """TAGS rows of one turn (see :func:`cxaudit.clues.tagger.tag_rows`)."""
    if doc._.valence is None:
        raise ValueError("tag_rows: the Doc has no sentiment annotations (cx_sentiment); build the pipeline "
                         "with cxaudit.nlp.build_pipeline() before add_codebooks()")
    tp_spans = list(doc.spans.get(key_of(touchpoints_codebook), ())) if touchpoints_codebook in info else []
    text = doc.text  # Doc.text joins every token: build it once, not per tag
    rows: list[dict] = []
    for book, codes in info.items():
        grouped: dict[tuple[str, str], list[Span]] = {}
        for span in doc.spans.get(key_of(book), ()):
            sent = _sentence_of(sentence_rows, span)
            if sent is not None and span.label_ in codes:
                grouped.setdefault((sent["sentence_id"], span.label_), []).append(span)
        for (sentence_id, code), spans in grouped.items():
            sent = _sentence_of(sentence_rows, spans[0])
            s0, s1 = int(sent["start_char"]), int(sent["end_char"])
            sent_span = doc.char_span(s0, s1, alignment_mode="expand")
            sent_tokens = (sent_span.start, sent_span.end) if sent_span is not None else None
            clue_type, default_tp = codes[code]
            in_sent = [t for t in tp_spans if s0 <= t.start_char and t.end_char <= s1]
            mode = sent.get("mode") or "other"
            for span in _mentions(spans):
                if book == touchpoints_codebook:
                    touchpoint = code
                else:
                    touchpoint = _nearest(in_sent, span) or _nearest(tp_spans, span) or default_tp
                polarity = max(-1.0, min(1.0, float(clause_polarity(doc, span.start_char, span.end_char))))
                rows.append({
                    "sentence_id": sentence_id, "doc_id": doc_id, "codebook": book, "code": code,
                    "clue_type": clue_type, "touchpoint": touchpoint,
                    "start_char": span.start_char - s0, "end_char": span.end_char - s0,
                    "evidence": text[span.start_char:span.end_char], "polarity": polarity,
                    "valence": valence_of(doc, span.start_char, span.end_char, polarity, sentence=sent_tokens),
                    "mode": mode,
                    "method": "rule", "confidence": confidence_of(span, mode, text[s0:s1]),
                })
    return rows
