"""Statement mode of each sentence: current, desired, question or other.

The ``cx_mode`` component matches the cues of ``lexicons/mode.yml`` with one
PhraseMatcher pass and applies, per sentence, the rules written at the top of that
file (question → other → desired → current). It works on the blank pipeline; with a
trained pipeline it also treats a sentence whose first word is tagged ``VB`` (base
verb, no subject before it) as an imperative suggestion, and a desire verb whose
morphology says ``Tense=Past`` ("I wanted") as a report, not a wish.

Result: ``doc._.sent_mode``, one mode per sentence of ``sentence_bounds(doc)``, and
``doc.user_data[WISH_KEY]``: per sentence, the token where the cue that made it ``desired`` starts
(-1 for the other modes) — "I like the shop, **I just wish** they had more staff" — so that praise in
a clause before the wish can stay a report of the present (:func:`wish_start`).
"""

from __future__ import annotations

from spacy.tokens import Doc

from .lexicon import build_matcher, doc_layout, ext_key, load_lexicon
from .wishes import wished

__all__ = ["MODES", "ModeClassifier", "WISH_KEY", "wish_start"]

MODES = ("current", "desired", "question", "other")
DES, CUR, WOULD, AFTER, IMP, QSTART, FILL, META, QMARK, REPORTED = range(10)
_KEYS = {
    "desired": DES, "current_overrides": CUR, "would": WOULD, "after_would": AFTER,
    "imperative_starts": IMP, "question_starts": QSTART, "fillers": FILL, "meta": META,
    "reported_expectation": REPORTED,
}
_DESIRE_VERBS = {"want", "need", "hope", "wish", "expect"}
_K_MODE, _K_SCORES = ext_key("sent_mode"), ext_key("sent_sentiment")
#: ``doc.user_data`` key of the wish starts (one per sentence, -1 where the sentence is no wish).
WISH_KEY = ext_key("sent_wish_start")


def wish_start(doc: Doc, k: int) -> int:
    """The token where the desire cue of sentence ``k`` starts, -1 when it is no wish (or unknown)."""
    starts = doc.user_data.get(WISH_KEY)
    return starts[k] if starts is not None and k < len(starts) else -1


def _not_word(token) -> bool:
    return token.is_punct or token.is_space


class ModeClassifier:
    """The ``cx_mode`` pipeline component (see the module docstring)."""

    def __init__(self, nlp, name: str = "cx_mode", *, lexicon: str = "mode.yml",
                 would_window: int = 3, max_filler_tokens: int = 12):
        self.name = name
        self.lexicon = lexicon
        self.would_window = int(would_window)
        self.max_filler_tokens = int(max_filler_tokens)
        self.matcher = None
        self._kind: dict[int, int] = {}

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Build the phrase matcher from the mode lexicon."""
        lex = load_lexicon(self.lexicon)
        entries = [(f"cx_mode:{key}", p) for key in _KEYS for p in lex.get(key) or []]
        entries.append(("cx_mode:qmark", "?"))
        self.matcher = build_matcher(nlp, entries)
        self._kind = {nlp.vocab.strings[f"cx_mode:{k}"]: v for k, v in _KEYS.items()}
        self._kind[nlp.vocab.strings["cx_mode:qmark"]] = QMARK

    def __call__(self, doc: Doc) -> Doc:
        if self.matcher is None:
            raise RuntimeError("cx_mode is not initialised: call nlp.initialize() (build_pipeline does)")
        kind = self._kind
        hits = sorted(((kind[m], s, e) for m, s, e in self.matcher(doc)), key=lambda h: h[1])
        tagged = len(doc) > 0 and doc[0].tag != 0  # a tagger ran (trained pipeline)
        bounds, n_alpha, n_words, _, _ = doc_layout(doc)
        modes, wishes = [], []
        h, n = 0, len(hits)
        for k, (ss, se) in enumerate(bounds):
            start = h
            while h < n and hits[h][1] < se:
                h += 1
            wish = -1
            if not n_alpha[k]:
                modes.append("other")
            elif start == h and not tagged:
                modes.append("current")
            else:
                mode, wish = self._classify(doc, hits[start:h], ss, se, tagged, n_words[k])
                modes.append(mode)
            wishes.append(wish)
        doc.user_data[_K_MODE] = modes
        doc.user_data[WISH_KEY] = wishes
        scores = doc.user_data.get(_K_SCORES)
        if scores is not None and "desired" in modes:
            # a wish's praise is the wanted state, not the current experience (as for a clue's feeling)
            for k, mode in enumerate(modes):
                if mode == "desired" and scores[k] > 0:
                    scores[k] = round(wished(scores[k], doc, *bounds[k]), 4)
        return doc

    def _classify(self, doc: Doc, hits, ss: int, se: int, tagged: bool, n_words: int) -> tuple[str, int]:
        """``(mode, wish start)`` of the sentence ``doc[ss:se]`` given its cue hits ``(kind, start, end)``;
        the wish start is the first token of the desire cue (-1 unless the mode is ``desired``)."""
        by_kind: dict[int, list[tuple[int, int]]] = {}
        for k, s, e in hits:
            by_kind.setdefault(k, []).append((s, e))
        if QMARK in by_kind:
            return "question", -1
        fills = {s for s, _ in by_kind.get(FILL, ())}
        first = ss
        if QSTART in by_kind or IMP in by_kind or tagged:
            while first < se and first < ss + 3 and (_not_word(doc[first]) or (first in fills and first + 1 < se)):
                first += 1
            if any(s == first for s, _ in by_kind.get(QSTART, ())):
                return "question", -1
        if META in by_kind and DES not in by_kind:
            return "other", -1
        if fills and se - ss <= self.max_filler_tokens and len(fills) >= n_words:
            if all(i in fills for i in range(ss, se) if not _not_word(doc[i])):
                return "other", -1
        wish = self._desired(doc, by_kind, first, tagged)
        if wish >= 0:
            return "desired", wish
        return "current", -1

    def _desired(self, doc: Doc, by_kind: dict, first: int, tagged: bool) -> int:
        """The first token of the first desire cue that survives the current-mode overrides, else -1."""
        overrides = by_kind.get(CUR, ())
        for s, e in by_kind.get(DES, ()):
            # an override cancels an overlapping cue, unless the cue is longer and contains it
            # ("should n't have to" survives "should n't have")
            if any(s < oe and os < e and not (s <= os and oe <= e and e - s > oe - os) for os, oe in overrides):
                continue
            if tagged and doc[e - 1].lemma_.lower() in _DESIRE_VERBS and "Past" in doc[e - 1].morph.get("Tense"):
                continue
            return s
        if AFTER in by_kind:
            # "I never thought the staff would be this helpful": a reported expectation, not a wish
            reported = min((s for s, _ in by_kind.get(REPORTED, ())), default=len(doc))
            woulds = [(s, e) for s, e in by_kind.get(WOULD, ())
                      if s < reported and not any(s < oe and os < e for os, oe in overrides)]
            for s, _ in by_kind[AFTER]:
                for ws, we in woulds:
                    if 0 <= s - we < self.would_window:
                        return ws
        if any(s == first and not any(s < oe and os < e for os, oe in overrides) for s, e in by_kind.get(IMP, ())):
            return first  # not an idiom that opens with the verb: "add to that …", "make no mistake"
        return first if tagged and first < len(doc) and doc[first].tag_ == "VB" else -1
