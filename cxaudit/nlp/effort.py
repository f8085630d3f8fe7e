"""Customer effort: does a sentence describe effort, and which phrase says so.

The ``cx_effort`` component matches ``lexicons/effort.yml`` (phrases in lemma form,
expanded to their inflected forms when initialised) with one PhraseMatcher pass.
A sentence is flagged when it holds an effort phrase ("on hold", "had to",
"transferred", "chasing", "start from scratch", "workaround" …) or a contact verb
followed within ``repeat_window`` tokens by a repeat marker ("called them three
times", "emailed again"); ``not_effort`` phrases ("I have to say") cancel an
overlapping match. The longest signal is reported as the phrase.

Result: ``doc._.sent_effort``, one phrase (or None) per sentence of
``sentence_bounds(doc)``.
"""

from __future__ import annotations

from spacy.tokens import Doc

from .lexicon import build_matcher, ext_key, load_lexicon, sentence_bounds

__all__ = ["EffortDetector"]

EFF, CONTACT, REP, NOT = range(4)
_K_EFFORT = ext_key("sent_effort")
_KEYS = {"phrases": EFF, "contact_verbs": CONTACT, "repeats": REP, "not_effort": NOT}


class EffortDetector:
    """The ``cx_effort`` pipeline component (see the module docstring)."""

    def __init__(self, nlp, name: str = "cx_effort", *, lexicon: str = "effort.yml", repeat_window: int = 6):
        self.name = name
        self.lexicon = lexicon
        self.repeat_window = int(repeat_window)
        self.matcher = None
        self._kind: dict[int, int] = {}

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Build the phrase matcher (inflected forms need the lemma lookup table)."""
        lex = load_lexicon(self.lexicon)
        entries = [(f"cx_effort:{key}", p) for key in _KEYS for p in lex.get(key) or []]
        self.matcher = build_matcher(nlp, entries, inflect=True)
        self._kind = {nlp.vocab.strings[f"cx_effort:{k}"]: v for k, v in _KEYS.items()}

    def __call__(self, doc: Doc) -> Doc:
        if self.matcher is None:
            raise RuntimeError("cx_effort is not initialised: call nlp.initialize() (build_pipeline does)")
        kind = self._kind
        hits = sorted(((kind[m], s, e) for m, s, e in self.matcher(doc)), key=lambda h: h[1])
        out: list[str | None] = []
        h, n = 0, len(hits)
        for ss, se in sentence_bounds(doc):
            start = h
            while h < n and hits[h][1] < se:
                h += 1
            span = self._best(hits[start:h]) if h > start else None
            out.append(doc[span[0]:span[1]].text if span else None)
        doc.user_data[_K_EFFORT] = out
        return doc

    def _best(self, hits) -> tuple[int, int] | None:
        """The longest effort signal ``(start, end)`` among one sentence's hits."""
        blocked = [(s, e) for k, s, e in hits if k == NOT]
        cands = []
        for k, s, e in hits:
            if k == EFF and not any(s < be and bs < e for bs, be in blocked):
                cands.append((s, e))
            elif k == CONTACT:
                for k2, s2, e2 in hits:
                    if k2 == REP and 0 <= s2 - e < self.repeat_window:
                        cands.append((s, e2))
                        break
        if not cands:
            return None
        return max(cands, key=lambda c: (c[1] - c[0], -c[0]))
