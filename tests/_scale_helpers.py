"""Reference implementations for the speed-up tests (tests/test_scale_fastpath.py).

``reference_tag_rows`` is the rule tagger's row builder as it was before the batch engine's
fast path (one ``doc.char_span`` and one clause walk per tag, spans read from the span
groups), kept here verbatim in behaviour so that the fast path can be checked against it.
``reference_ruler`` compiles codebooks into spaCy's own ``span_ruler`` components.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from cxaudit.clues._rules import UNJUDGED_COST, clue_feeling, confidence_of, valence_of
from cxaudit.nlp.clue_scope import ClauseScorer
from cxaudit.nlp.sentiment import valence
from cxaudit.clues.tagger import codebook_excludes, codebook_patterns, spans_key


def reference_ruler(nlp, codebooks) -> None:
    """Add one spaCy ``span_ruler`` per codebook (the component cxaudit used before), and one more per
    codebook with word-sense guards for its ``exclude`` patterns, whose matches then drop the reference
    spans of the same code they share a token with (docs/clues.md, "exclude")."""
    for cb in codebooks:
        ruler = nlp.add_pipe("span_ruler", name=f"ref_{cb.name}", config={
            "spans_key": f"ref_{cb.name}", "overwrite": True, "phrase_matcher_attr": "LOWER"})
        with nlp.select_pipes(enable=[]):
            ruler.add_patterns(codebook_patterns(cb))
        guards = codebook_excludes(cb)
        if guards:
            guard = nlp.add_pipe("span_ruler", name=f"ref_guard_{cb.name}", config={
                "spans_key": f"ref_guard_{cb.name}", "overwrite": True, "phrase_matcher_attr": "LOWER"})
            with nlp.select_pipes(enable=[]):
                guard.add_patterns(guards)
            nlp.add_pipe("cx_test_reference_guards", name=f"ref_drop_{cb.name}", config={"book": cb.name})


@Language.factory("cx_test_reference_guards", default_config={"book": ""})
def _reference_guards(nlp, name: str, book: str):
    def drop(doc: Doc) -> Doc:
        guards = list(doc.spans.get(f"ref_guard_{book}", ()))
        doc.spans[f"ref_{book}"] = [s for s in doc.spans[f"ref_{book}"] if not any(
            g.label_ == s.label_ and g.start < s.end and s.start < g.end for g in guards)]
        return doc
    return drop


def _mentions(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start_char, -(s.end_char - s.start_char))):
        if out and span.start_char < out[-1].end_char:
            if span.end_char - span.start_char > out[-1].end_char - out[-1].start_char:
                out[-1] = span
            continue
        out.append(span)
    return out


def _nearest(spans: Sequence[Span], span: Span) -> str | None:
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


def reference_tag_rows(doc: Doc, sentence_rows: Sequence[dict], doc_id: str, *,
                       touchpoints_codebook: str = "touchpoints") -> list[dict]:
    """TAGS rows of one turn, computed span by span as before the fast path."""
    info = doc._.cx_codebooks
    tp_spans = list(doc.spans.get(spans_key(touchpoints_codebook), ())) if touchpoints_codebook in info else []
    text = doc.text
    rows: list[dict] = []
    for book, codes in info.items():
        grouped: dict[tuple[str, str], list[Span]] = {}
        for span in doc.spans.get(spans_key(book), ()):
            sent = _sentence_of(sentence_rows, span)
            if sent is not None and span.label_ in codes:
                grouped.setdefault((sent["sentence_id"], span.label_), []).append(span)
        mentions = {key: _mentions(spans) for key, spans in grouped.items()}
        in_sentence: dict[str, list[tuple[int, int]]] = {}
        n_codes: dict[str, int] = {}
        for (sentence_id, _), ms in mentions.items():
            in_sentence.setdefault(sentence_id, []).extend((m.start, m.end) for m in ms)
            n_codes[sentence_id] = n_codes.get(sentence_id, 0) + 1
        scorer = ClauseScorer(doc)
        doc_clues = [(sp.start, sp.end) for b in info for sp in doc.spans.get(spans_key(b), ())]
        for (sentence_id, code), spans in grouped.items():
            sent = _sentence_of(sentence_rows, spans[0])
            s0, s1 = int(sent["start_char"]), int(sent["end_char"])
            sent_span = doc.char_span(s0, s1, alignment_mode="expand")
            sent_tokens = (sent_span.start, sent_span.end) if sent_span is not None else None
            clue_type, default_tp, cost = codes[code]
            in_sent = [t for t in tp_spans if s0 <= t.start_char and t.end_char <= s1]
            mode = sent.get("mode") or "other"
            others = in_sentence[sentence_id]
            for span in mentions[(sentence_id, code)]:
                if book == touchpoints_codebook:
                    touchpoint = code
                else:
                    touchpoint = _nearest(in_sent, span) or _nearest(tp_spans, span) or default_tp
                polarity, scope = clue_feeling(scorer, span.start, span.end, others if len(others) > 1 else (), mode,
                                               doc_clues)
                if cost and scope == "none" and mode == "current" and not text[s0:s1].rstrip().endswith("?"):
                    polarity, scope = -UNJUDGED_COST, "cost"  # a cost named and not judged (session 28)
                rows.append({
                    "sentence_id": sentence_id, "doc_id": doc_id, "codebook": book, "code": code,
                    "clue_type": clue_type, "touchpoint": touchpoint,
                    "start_char": span.start_char - s0, "end_char": span.end_char - s0,
                    "evidence": text[span.start_char:span.end_char], "polarity": polarity,
                    "valence": "mixed" if scope == "mixed" else valence(polarity) if n_codes[sentence_id] > 1
                    else valence_of(doc, span.start_char, span.end_char, polarity, sentence=sent_tokens),
                    "mode": mode,
                    "method": "rule", "confidence": confidence_of(span, mode, text[s0:s1], scope),
                    "feeling_from": scope,
                })
    return rows
