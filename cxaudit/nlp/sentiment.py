"""Sentiment scoped to sentences and clauses: VADER's lexicon and rules over spaCy tokens.

The ``cx_sentiment`` component (see :mod:`cxaudit.nlp.components`) finds, with one
PhraseMatcher pass, every lexicon word or phrase (VADER's lexicon, its emoji and
cxaudit's CX lexicon ``lexicons/cx_sentiment.yml``), negator, booster, contrast marker
and clause break. For each sentiment hit it applies VADER's rules (boosters within
three tokens with distance decay, negation ×-0.74, ALL-CAPS emphasis) and cxaudit's
(excess "too salty", "never so X", degree words with their own valence, conditional "if"
clauses ×0.3, negated repeats "never … again"; see docs/language.md) without crossing
a clause break, and stores on the Doc:

* ``doc._.valence``: the token-level valence, ``[(start, end, valence), …]``;
* ``doc._.clause_breaks``: ``(strong, weak)`` sorted token indices where clauses start;
* ``doc._.sent_sentiment``: one score per sentence (VADER's compound: contrast
  weighting, "!" emphasis, ``x / sqrt(x² + 15)``).

:func:`clause_polarity` scores the clause around any character span from those.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache

from spacy.attrs import ORTH
from spacy.strings import hash_string
from spacy.tokens import Doc

from .lexicon import (AGAIN, BOOST, BUT, COND, DUAL, EXCL, NEG, SO, SUB, TOO, VAL, WEAK, build_matcher, load_lexicon,
                      doc_layout, ext_key, longest_first, sentence_bounds, sentiment_entries)

__all__ = [
    "NEUTRAL_BAND",
    "valence",
    "clause_polarity",
    "polarity_of",
    "span_polarity",
    "ClauseScorer",
    "SentimentScorer",
]

#: |score| below this is neutral: the one place valence thresholds live.
NEUTRAL_BAND = 0.05
ALPHA = 15.0
N_SCALAR = -0.74
C_INCR = 0.733
EXCL_INCR = 0.292
_DECAY = (1.0, 0.95, 0.9)

_K_VALENCE, _K_BREAKS, _K_SCORES = ext_key("valence"), ext_key("clause_breaks"), ext_key("sent_sentiment")

#: "too"/"way too" + a word without valence ("too salty", "took too long"): the pair is this
#: negative (excess); before a valenced word they are boosters (value in ``rules.excess``).
EXCESS_VALENCE = -1.2
#: "never so/this/more/such X" keeps X's sign and strengthens it (VADER's "never so" rule).
NEVER_SO = 1.25
_EXCESS_STOP = frozenset(("much", "many", "few", "often"))
#: Weight of sentiment inside a conditional clause ("if you want good food, …"): hypothetical.
COND_WEIGHT = 0.3
#: Weight of sentiment in a conditional clause against the facts ("would have given five stars if
#: the air conditioning had worked": the praise says it did not): turned round, halved.
COUNTERFACTUAL_WEIGHT = -0.5
#: How far back (tokens) the negator of a negated repeat ("never … again") may be.
AGAIN_REACH = 5
#: Booster increment of a degree word with its own valence ("terribly rude": a booster).
B_INCR = 0.293



def valence(x: float) -> str:
    """'negative', 'neutral' or 'positive' for a score in -1 … 1 (see :data:`NEUTRAL_BAND`)."""
    if x != x or abs(x) < NEUTRAL_BAND:  # NaN counts as neutral
        return "neutral"
    return "positive" if x > 0 else "negative"


def normalize(total: float) -> float:
    """VADER's squashing of a valence sum into -1 … 1."""
    if total == 0:
        return 0.0
    return max(-1.0, min(1.0, total / math.sqrt(total * total + ALPHA)))


class SentimentScorer:
    """The ``cx_sentiment`` pipeline component (see the module docstring)."""

    def __init__(self, nlp, name: str = "cx_sentiment", *, extra_words: dict | None = None,
                 contrast_weights: tuple[float, float] = (0.5, 1.5), window: int = 3,
                 weak_breaks: list | None = None, inflect: bool = False):
        self.name = name
        self.inflect = bool(inflect)
        self.weak_breaks = None if weak_breaks is None else [str(w) for w in weak_breaks]
        self.extra_words = dict(extra_words or {})
        self.before_w, self.after_w = contrast_weights
        self.window = int(window)
        self.matcher = None
        self._kinds: dict[int, tuple[int, float]] = {}

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Build the phrase matcher (needs the pipeline's tokenizer)."""
        entries, table = sentiment_entries(self.extra_words, self.weak_breaks, self.inflect)
        self.matcher = build_matcher(nlp, entries)
        self._kinds = {nlp.vocab.strings[k]: v for k, v in table.items()}

    def __call__(self, doc: Doc) -> Doc:
        if self.matcher is None:
            raise RuntimeError("cx_sentiment is not initialised: call nlp.initialize() (build_pipeline does)")
        kinds = self._kinds
        hits = [(kinds[m][0], kinds[m][1], s, e) for m, s, e in longest_first(self.matcher(doc))]
        strong: list[int] = []
        weak: list[int] = []
        val_hits: list[tuple[int, int, float]] = []
        scores: list[float] = []
        bounds, n_alpha, _, n_upper, upper = doc_layout(doc)
        h = 0
        n = len(hits)
        # irony markers are tokens of their own ("today 🙃", "great service /s"): look them up in the
        # ORTH column rather than building Doc.text (which makes a Token object per token)
        ironic_doc = bool(hits) and not _IRONY_ORTH.isdisjoint(doc.to_array(ORTH).tolist())
        for k, (ss, se) in enumerate(bounds):
            start = h
            while h < n and hits[h][2] < se:
                h += 1
            if start == h:
                scores.append(0.0)
                continue
            # ALL-CAPS emphasis counts only when the sentence is not all in capitals (VADER)
            caps = upper if n_upper[k] and n_upper[k] < n_alpha[k] else None
            sent_hits = _unmask_sarcasm(doc, hits[start:h], ss, se, ironic_doc)
            if k and scores[k - 1] <= -NEUTRAL_BAND and _ironic_coda(doc, ss, se, n_alpha[k]):
                # "Five star hotel, one star pillows. Love it.": praise alone after a complaint
                sent_hits = [(kd, -v, a, b) if kd == VAL and v > 0 else (kd, v, a, b) for kd, v, a, b in sent_hits]
            scores.append(self._score_sentence(doc, sent_hits, se, caps, val_hits, strong, weak))
        user_data = doc.user_data
        user_data[_K_VALENCE] = val_hits
        user_data[_K_BREAKS] = (strong, weak)
        user_data[_K_SCORES] = scores
        return doc

    def _score_sentence(self, doc, hits, se, caps, val_hits, strong, weak) -> float:
        """Score one sentence's hits; append its valence hits and breaks to the lists.

        One pass: VADER's modifiers apply to a sentiment hit within ``window`` tokens
        and never across a break; the sentence total weights the clauses around the
        first contrast marker (``contrast_weights``).
        """
        mods: list[tuple[int, float, int]] = []  # (kind, value, end) of modifiers since the last break
        total = pre = sub_sum = 0.0  # all hits; hits before the first "but"; hits in the first "although" clause
        but_seen = sub_seen = in_sub = in_cond = False
        n_vals = n_excl = 0
        window = self.window
        last = len(hits) - 1
        for idx, (kind, value, s, e) in enumerate(hits):
            if kind == TOO:
                nxt = hits[idx + 1] if idx < last else None
                if nxt is not None and nxt[0] == VAL and nxt[2] == e and nxt[1] != 0.0:
                    mods.append((BOOST, value, e))  # "too slow": a booster
                    continue
                if not _excess_target(doc, e, se):
                    continue
                kind, value, s, e = VAL, EXCESS_VALENCE - value, e, e + 1  # "too salty": excess
            elif kind == SO:
                # "never (been) so/this/more X": X keeps its sign, strengthened (VADER)
                nxt = hits[idx + 1] if idx < last else None
                if nxt is None or nxt[2] - e > 1 or not (nxt[0] == VAL or nxt[0] == DUAL) or not nxt[1]:
                    if value:
                        mods.append((BOOST, value, e))
                    continue
                for j in range(len(mods) - 1, -1, -1):
                    mk, mv, me = mods[j]
                    if mk == NEG and mv and 0 <= s - me <= 1:
                        del mods[j]
                        mods.append((SO, NEVER_SO, e))
                        break
                if value:
                    mods.append((BOOST, value, e))
                continue
            elif kind == DUAL:
                nxt = hits[idx + 1] if idx < last else None
                if nxt is not None and nxt[2] == e and (nxt[0] == VAL or nxt[0] == DUAL) and nxt[1] != 0.0:
                    mods.append((BOOST, B_INCR, e))  # "terribly rude": a booster
                    continue
                kind = VAL
            elif kind == COND:
                in_cond = _counterfactual_if(doc, e, se) or True
                continue
            elif kind == AGAIN:
                if not any(mk == NEG and 0 <= s - me <= AGAIN_REACH for mk, _, me in mods):
                    continue
                mods.clear()  # "never … again": the negation is the meaning, not a flip
                kind = VAL
            if kind == VAL:
                v = value
                if v == 0.0:
                    mods.clear()
                    continue
                if mods:
                    negated = False
                    amp = 0.0
                    for mk, mv, me in mods:
                        dist = s - me
                        if 0 <= dist < window:
                            if mk == NEG:
                                negated = True
                            elif mk == SO:
                                amp = mv
                            else:
                                v += (mv if v > 0 else -mv) * _DECAY[dist]
                    if negated:
                        v *= N_SCALAR
                    elif amp:
                        v *= amp
                    mods.clear()
                if caps is not None and s in caps:
                    v += C_INCR if v > 0 else -C_INCR
                if in_cond:
                    v *= COND_WEIGHT if in_cond is True else COUNTERFACTUAL_WEIGHT
                val_hits.append((s, e, v))
                n_vals += 1
                total += v
                if not but_seen:
                    pre += v
                if in_sub:
                    sub_sum += v
            elif kind == NEG or kind == BOOST:
                mods.append((kind, value, e))
            elif kind == EXCL:
                n_excl += 1
                mods.clear()
            else:
                mods.clear()
                in_sub = in_cond = False
                if kind == WEAK:
                    weak.append(s)
                    continue
                strong.append(s)
                if kind == BUT and not but_seen:
                    but_seen = True
                elif kind == SUB and not sub_seen and not but_seen:
                    sub_seen = in_sub = True
        if not n_vals:
            return 0.0
        bw, aw = self.before_w, self.after_w
        if but_seen:
            total = bw * pre + aw * (total - pre)
        elif sub_seen:
            total = bw * sub_sum + aw * (total - sub_sum)
        if total and n_excl:
            emph = min(n_excl, 4) * EXCL_INCR
            total += emph if total > 0 else -emph
        return normalize(total)


#: Praise openers that sarcasm uses before a bad situation ("Fantastic, the 7:42 cancelled again").
_OPENERS_PUNCT = frozenset((",", "!", ".", "...", "…", "-", "—", ":"))
#: "love/loving/enjoying + gerund" ("love spending my Saturday on hold").
_LOVE = frozenset(("love", "loving", "loved", "enjoy", "enjoying", "adore", "adoring"))
_THANKS = frozenset(("thanks", "thank", "thx", "ty", "cheers"))


#: Markers that make a whole sentence ironic: upside-down face, rolling eyes, unamused face, "/s".
IRONY_MARKERS = ("\U0001F643", "\U0001F644", "\U0001F612", "/s")
_IRONY_ORTH = frozenset(hash_string(m) for m in IRONY_MARKERS)
#: Thanks and praise that are courtesy when a contrast follows ("Many thanks for your reply, but…").
#: The words of a praise formula that, alone after a complaint, is ironic (:func:`_ironic_coda`).
_CODA_WORDS = frozenset(("love", "loving", "it", "great", "brilliant", "perfect", "fantastic", "lovely", "wonderful",
                         "superb", "marvellous", "marvelous", "excellent", "nice", "one", "well", "done", "just",
                         "thanks", "thank", "you", "cheers", "a", "lot", "so", "oh", "wow", "amazing", "awesome",
                         "splendid", "terrific", "what", "service", "job", "stuff", "really", "very", "classy",
                         "top", "notch", "impressive", "genius", "bravo", "yay", "hooray", "ah"))
_COURTESY = frozenset(("thanks", "thank", "thx", "appreciate", "appreciated", "grateful", "cheers"))


def _unmask_sarcasm(doc: Doc, hits: list, ss: int, se: int, ironic_doc: bool = True) -> list:
    """The sentence's hits with sarcastic praise turned negative and courtesy before a contrast dropped.

    Sarcasm in complaints is praise followed by a bad situation (Riloff et al. 2013). Three
    shapes are recognised, each only when a negative hit follows in the same sentence:
    a praise word opening the sentence and followed by punctuation ("Great, another
    delay"; "Oh brilliant! The app is down again"), "love/enjoy + a gerund" ("love spending
    my Saturday on hold") — in these two every praise word after the opener is ironic too
    ("Fantastic, cancelled yet again, what a reliable service") — and "thanks for + a negative
    gerund" ("thanks for losing my bag"). An irony marker (🙃 🙄 😒 "/s") makes all the
    sentence's praise ironic. Thanks before a contrast marker are courtesy, not praise
    ("Many thanks for your reply, but it doesn't answer my question").
    """
    if not hits:
        return hits
    out = hits
    if len(hits) > 1:
        contrast_at = next((h[2] for h in hits if h[0] == BUT or h[0] == SUB), None)
        if contrast_at is not None:
            out = [(k, 0.0, a, b) if k == VAL and v > 0 and b <= contrast_at and doc[a].lower_ in _COURTESY else (k, v, a, b)
                   for k, v, a, b in out]
    if ironic_doc and any(t.orth in _IRONY_ORTH for t in doc[ss:se]):
        return [(k, -v, a, b) if (k == VAL or k == DUAL) and v > 0 else (k, v, a, b) for k, v, a, b in out]
    if len(out) < 2:
        return out
    neg_after = [False] * len(out)
    seen = False
    for j in range(len(out) - 1, -1, -1):
        neg_after[j] = seen
        kind, value = out[j][0], out[j][1]
        if (kind == VAL or kind == DUAL) and value < 0:
            seen = True
    if not any(neg_after):
        return out
    out = list(out)
    ironic = False
    for j, (kind, value, s, e) in enumerate(out):
        if kind != VAL or value <= 0:
            continue
        if ironic:
            out[j] = (kind, -value, s, e)
            continue
        if not neg_after[j]:
            continue
        first = doc[s].lower_
        opener = s == ss or (s == ss + 1 and doc[ss].lower_ in ("oh", "wow", "well", "just", "so"))
        if opener and e < se and doc[e].text in _OPENERS_PUNCT:
            out[j] = (kind, -value, s, e)
            ironic = True
        elif first in _LOVE and e < se and doc[e].lower_.endswith("ing") and len(doc[e]) > 4:
            out[j] = (kind, -value, s, e)
            ironic = True
        elif first in _THANKS:
            k = e + (1 if e < se and doc[e].lower_ == "you" else 0)
            if k + 1 < se and doc[k].lower_ == "for" and doc[k + 1].lower_.endswith("ing"):
                nxt = next((h for h in out[j + 1:] if h[2] == k + 1), None)
                if nxt is not None and nxt[1] < 0:
                    out[j] = (kind, -value, s, e)
    return out


def _counterfactual_if(doc: Doc, e: int, se: int) -> str | None:
    """``"counterfactual"`` when the conditional clause that starts at token ``e`` is against the
    facts — "if the air conditioning **had** worked", "if the staff **were** friendlier": what it
    praises was missing, so its sentiment is turned round (:data:`COUNTERFACTUAL_WEIGHT`);
    ``None`` for an open condition ("if the delivery arrives on Friday")."""
    for j in range(e, min(se, e + 8)):
        t = doc[j]
        if t.is_punct:
            return None
        low = t.lower_
        if low == "had" or low == "were" and not (j + 1 < se and doc[j + 1].lower_.endswith("ing")):
            return "counterfactual"
    return None


def _ironic_coda(doc: Doc, ss: int, se: int, n_alpha: int) -> bool:
    """True when the sentence ``doc[ss:se]`` is nothing but a short praise formula ("Love it.",
    "Great.", "Brilliant, just brilliant.", "Thanks a lot!"): after a complaint it is ironic
    (the sentence before it scores negative; see ``ClauseScorer``'s caller)."""
    if not 0 < n_alpha <= 4:
        return False
    return all(t.lower_ in _CODA_WORDS for t in doc[ss:se] if t.is_alpha)


def _excess_target(doc: Doc, i: int, se: int) -> bool:
    """True when token ``i`` (inside the sentence ending at ``se``) can follow an excess "too":
    a word, not a function word ("me too, and" no; "too much", "too long" yes)."""
    if i >= se:
        return False
    t = doc[i]
    return t.is_alpha and (not t.is_stop or t.lower_ in _EXCESS_STOP)


def _token_range(doc: Doc, start_char: int, end_char: int) -> tuple[int, int]:
    """Token indices ``[i0, i1)`` covering the character span (expanded to whole tokens)."""
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    if span is not None and len(span):
        return span.start, span.end
    starts = [t.idx for t in doc]
    i = max(0, bisect_right(starts, start_char) - 1)
    return i, i + 1


def _enclosing(breaks: list[int], lo: int, hi: int, i0: int, i1: int) -> tuple[int, int]:
    """The clause ``[a, b)`` within ``[lo, hi)`` around tokens ``[i0, i1)``, given break starts."""
    k = bisect_right(breaks, i0) - 1
    a = breaks[k] if k >= 0 and breaks[k] > lo else lo
    k = bisect_left(breaks, i1)
    b = breaks[k] if k < len(breaks) and breaks[k] < hi else hi
    return a, b


def _sum_in(val_hits, a: int, b: int) -> tuple[float, int]:
    total, count = 0.0, 0
    for s, e, v in val_hits:
        if e > a and s < b:
            total += v
            count += 1
    return total, count


#: A weak clause with at least this many words and no sentiment is neutral (no widening);
#: 0 = always widen. Tuned on the benchmark's tune split: 4 helps MAMS (+3.6 points per
#: category) but costs SemEval more (-9 per aspect term), so widening stays on.
MIN_CLAUSE_WORDS = 0


def clause_polarity(doc: Doc, start_char: int, end_char: int, *, fallback: str = "sentence",
                    min_words: int | None = None) -> float:
    """Polarity (-1 … 1) of the clause that contains ``doc.text[start_char:end_char]``.

    ``doc`` must have been through the ``cx_sentiment`` component. The narrowest
    scope that carries sentiment wins: the weak clause (split at commas, "and",
    dashes, relative pronouns …), then the strong clause (split at "but",
    "although", "however", ";" …), then, with ``fallback="sentence"``, the whole
    sentence's contrast-weighted score (``fallback="none"`` returns 0.0 instead).
    Offsets are doc-relative; an empty or out-of-range span gives 0.0.
    """
    if doc._.valence is None:
        raise ValueError("clause_polarity: the Doc has no cx_sentiment annotations; run it through build_pipeline()")
    if len(doc) == 0:
        return 0.0
    n_chars = doc[-1].idx + len(doc[-1].text_with_ws)
    if start_char >= n_chars or end_char <= 0:
        return 0.0
    start_char = max(0, start_char)
    end_char = max(start_char + 1, min(end_char, n_chars))
    i0, i1 = _token_range(doc, start_char, end_char)
    return ClauseScorer(doc).polarity(i0, i1, fallback=fallback, min_words=min_words)


class ClauseScorer:
    """Clause-scoped polarity of token spans of one Doc (after ``cx_sentiment``).

    Reads the Doc's annotations once, so scoring many spans of a Doc (the rule
    tagger scores every tag) does not repeat the per-Doc work;
    :func:`clause_polarity` is ``ClauseScorer(doc).polarity(...)`` on the span's tokens.
    """

    __slots__ = ("doc", "n", "starts", "sents", "strong", "weak", "hits", "scores")

    def __init__(self, doc: Doc):
        user_data = doc.user_data
        hits = user_data.get(_K_VALENCE)
        if hits is None:
            raise ValueError("clause_polarity: the Doc has no cx_sentiment annotations; run it through build_pipeline()")
        self.doc = doc
        self.n = len(doc)
        self.sents = sentence_bounds(doc)
        self.starts = [s for s, _ in self.sents]
        self.strong, self.weak = user_data[_K_BREAKS]
        self.hits = hits
        self.scores = user_data[_K_SCORES]

    def polarity(self, i0: int, i1: int, *, fallback: str = "sentence", min_words: int | None = None,
                 others: Sequence[tuple[int, int]] = ()) -> float:
        """Polarity of the clue at tokens ``[i0, i1)`` (see :meth:`feeling`)."""
        return self.feeling(i0, i1, others=others, fallback=fallback, min_words=min_words)[0]

    def feeling(self, i0: int, i1: int, *, others: Sequence[tuple[int, int]] = (), fallback: str = "sentence",
                min_words: int | None = None) -> tuple[float, str]:
        """``(polarity, scope)`` of the clue at tokens ``[i0, i1)``; ``others`` are the token spans
        of the other clues of the same sentence.

        The narrowest scope with sentiment that belongs to the clue wins (``scope`` says which):

        1. ``"clause"``: the sentiment in the clue's weak clause (without the clue's own words
           when the clause has other sentiment: "the fraud team was amazing" is positive);
        2. ``"strong"``: in its strong clause (between contrast markers, ";" and sentence ends),
           counting only hits nearer to this clue than to any other clue (a clue joined to this
           one by "and"/"," only — "the seats and the food were awful" — shares its hits);
           ``"mixed"``: the clause also has a judgement and the clause across a contrast marker,
           with no other clue in it, the opposite one ("the food was tasty but massively
           overpriced"): VADER's contrast weighting of the two;
        3. ``"contrast"``: no sentiment of its own, and a contrast marker separates it from the
           sentiment of the sentence: when the clause after the marker goes on about the same
           clue ("thanks for the refund, but it was the wrong amount") its sentiment is the
           clue's (scope ``"strong"``); else the clue takes the opposite orientation, weakened
           (:data:`CONTRAST_FLIP`; Ding, Liu & Yu 2008): "the app is great but the branch staff
           had no idea" is negative for the staff;
        4. ``"sentence"``: the sentence's score, when the sentence's sentiment is not another
           clue's (``fallback="none"``: 0.0);
        5. ``"none"``: no sentiment, or only other clues' sentiment: 0.0 (neutral).
        """
        sents = self.sents
        k = max(0, bisect_right(self.starts, i0) - 1)
        ss, se = sents[k]
        se = max(se, min(i1, self.n))
        a, b = _enclosing(self.strong, ss, se, i0, i1)
        wa, wb = _enclosing(self.weak, a, b, i0, i1)
        hits = self.hits
        in_weak = [h for h in hits if h[1] > wa and h[0] < wb]
        if in_weak:
            # the clue's own words name the topic when the clause also judges it ("the fraud team
            # was amazing"); alone they are the judgement ("keeps crashing")
            outside = [h for h in in_weak if h[0] < i0 or h[1] > i1]
            own = sum(h[2] for h in (outside or in_weak))
            if wa == a and wb == b or not any(h[1] > a and h[0] < b and not (h[1] > wa and h[0] < wb) for h in hits):
                # the clause across a contrast, when no other clue is there, judges this clue too:
                # "the food was tasty but massively overpriced" is mixed
                across = self._across_contrast([h for h in hits if h[1] > ss and h[0] < se], a, b, ss, se,
                                               free_of=others)
                other = sum(h[2] for h in across)
                if across and abs(other) >= MIXED_MIN and abs(own) >= MIXED_MIN and (other > 0) != (own > 0):
                    before, after = (own, other) if across[0][0] >= b else (other, own)
                    return normalize(0.5 * before + 1.5 * after), "mixed"
            return normalize(own), "clause"
        if any(t.lower_ in _IF for t in self.doc[wa:i0]):
            # the clue sits in a condition with no judgement of its own: "if the delivery arrives on
            # Friday, I will be happy" says nothing yet about the delivery
            return 0.0, "none"
        if (wa, wb) != (a, b):
            limit = MIN_CLAUSE_WORDS if min_words is None else min_words
            if limit and sum(1 for t in self.doc[wa:wb] if not (t.is_punct or t.is_space)) >= limit:
                return 0.0, "none"
        others = [o for o in others if o[0] < se and o[1] > ss and not (o[0] < i1 and o[1] > i0)]
        in_strong = [h for h in hits if h[1] > a and h[0] < b]
        if in_strong:
            mine = self._owned(in_strong, i0, i1, others, (wa, wb))
            return (normalize(sum(h[2] for h in mine)), "strong") if mine else (0.0, "none")
        in_sent = [h for h in hits if h[1] > ss and h[0] < se]
        if not in_sent:
            return 0.0, "none"
        same = self._across_contrast(in_sent, a, b, ss, se, free_of=others)
        if same:  # "many thanks for the refund, but it was the wrong amount": the same clue goes on
            return normalize(sum(h[2] for h in same)), "strong"
        across = self._across_contrast(in_sent, a, b, ss, se)
        if across:
            return -CONTRAST_FLIP * normalize(sum(h[2] for h in across)), "contrast"
        if others:
            mine = self._owned(in_sent, i0, i1, others, (wa, wb))
            return (normalize(sum(h[2] for h in mine)), "sentence") if mine else (0.0, "none")
        if fallback == "sentence":
            return float(self.scores[k]), "sentence"
        return 0.0, "none"

    def _owned(self, hits, i0: int, i1: int, others, weak: tuple[int, int]) -> list:
        """The hits nearer to tokens ``[i0, i1)`` than to any other clue (ties count as this
        clue's; so do a coordinated clue's: "the seats and the food were awful", when the clue's
        weak clause ``weak`` is nothing but the clue — "we asked for the bill and the food was
        cold" does not share)."""
        if not others:
            return list(hits)
        doc = self.doc
        bare = all(doc[j].lower_ in _COORD or j == weak[0] and doc[j].lower_ in _CONTRAST_FIRST
                   for j in range(weak[0], weak[1]) if not i0 <= j < i1)
        linked = [bare and self._coordinated(o, i0, i1) for o in others]
        group = [(i0, i1)] + [o for o, lk in zip(others, linked) if lk]  # the clue and its coordinated clues
        rivals = [o for o, lk in zip(others, linked) if not lk]
        clues = sorted(group + rivals)
        out = []
        for h in hits:
            referent = self._person_referent(h[0], clues)
            if referent is not None:  # "the waiter brought our food and he was rude": the waiter's
                if referent in group:
                    out.append(h)
                continue
            d = min(_distance(h, g0, g1) for g0, g1 in group)
            if all(d <= _distance(h, o[0], o[1]) for o in rivals):
                out.append(h)
        return out

    def _person_referent(self, j: int, clues: list[tuple[int, int]]) -> tuple[int, int] | None:
        """The clue a hit at token ``j`` belongs to when its clause opens with "he" or "she" and holds
        no clue: the sentence's first clue before that clause (the subject is the likeliest
        referent of a personal pronoun, Hobbs 1978; "I called the helpline about my bill and she was
        wonderful"); ``None`` when the clause does not open so, or no clue comes before it."""
        breaks = self.weak + self.strong
        ss, se = self.sents[max(0, bisect_right(self.starts, j) - 1)]
        lo = max((b for b in breaks if ss <= b <= j), default=ss)
        hi = min((b for b in breaks if j < b < se), default=se)
        doc = self.doc
        k = lo
        while k < hi and (doc[k].is_punct or doc[k].lower_ in _CLAUSE_OPENERS):
            k += 1
        if k >= hi or doc[k].lower_ not in _PERSONAL or any(c0 < hi and c1 > lo for c0, c1 in clues):
            return None
        return next((c for c in clues if ss <= c[0] and c[1] <= lo), None)

    def _coordinated(self, other: tuple[int, int], i0: int, i1: int) -> bool:
        """True when only coordination and determiners stand between the two clues."""
        lo, hi = (other[1], i0) if other[1] <= i0 else (i1, other[0])
        if hi - lo > 6:
            return False
        return all(self.doc[j].lower_ in _COORD for j in range(lo, hi))

    def _across_contrast(self, hits, a: int, b: int, ss: int, se: int, *, free_of=None) -> list:
        """Hits of the clause next to ``[a, b)`` across a contrast marker (after, else before).

        With ``free_of`` (clue spans) the question is whether that clause judges the same clue:
        only the clause after the clue's, when none of the clues stands in it and it starts no
        new subject (:meth:`_new_subject`)."""
        doc = self.doc
        strong = self.strong
        same = free_of is not None  # asking whether the other clause is about the same clue
        if b < se and doc[b].lower_ in _CONTRAST_FIRST:  # "X but [Y]": the clause after
            nb = next((s for s in strong if s > b), se)
            after = [h for h in hits if h[0] >= b and h[0] < nb]
            if after and not (same and (any(o0 < nb and o1 > b for o0, o1 in free_of)
                                        or self._new_subject(b, nb))):
                return after
        if a > ss and doc[a].lower_ in _CONTRAST_FIRST:  # "[X] but Y": the clause before
            pa = max((s for s in strong if s < a), default=ss)
            before = [h for h in hits if h[0] >= pa and h[0] < a]
            if before and not same:  # the clause before is about the same clue only when it has no subject of its own
                return before
        return []

    def _new_subject(self, b: int, nb: int) -> bool:
        """True unless the clause ``[b, nb)`` after a contrast marker goes on about the same thing:
        its first word after the marker (and any degree adverb) is a pronoun that refers back
        ("although it rattled") or no noun phrase starts ("but massively overpriced", "but smells")."""
        doc = self.doc
        j = b + 1
        while j < nb and (doc[j].lower_ in _CONTRAST_REST or doc[j].is_punct):
            j += 1
        if j >= nb:
            return True
        word = doc[j].lower_
        if word in _BACK_REFERENCE:
            return False
        return word in _NEW_SUBJECT or doc[j].is_title and j > 0 and not doc[j].is_sent_start

    def absence(self, i0: int, i1: int) -> float:
        """Polarity of a clue at tokens ``[i0, i1)`` that is said to be missing: right after an
        absence marker ("no wifi", "zero legroom", "a lack of communication") a missing amenity
        is a complaint, a missing burden ("no fees", "no queue") praise (``rules.absence`` in
        cx_sentiment.yml); 0.0 when no marker stands right before the clue."""
        markers, burdens, value = _absence_rule()
        doc = self.doc
        for n in (3, 2, 1):
            if i0 - n >= 0 and " ".join(t.lower_ for t in doc[i0 - n:i0]) in markers:
                return -value if doc[i1 - 1].lower_ in burdens else value
        return 0.0

    def counterfactual(self, i0: int) -> bool:
        """True when the sentence of token ``i0`` states a wish against the facts ("I wish the staff
        were…", "if the timetable was actually…", "had been"): its praise implies the present lacks it."""
        k = max(0, bisect_right(self.starts, i0) - 1)
        ss, se = self.sents[k]
        return counterfactual(self.doc, ss, se)


def counterfactual(doc: Doc, ss: int, se: int) -> bool:
    """True when the sentence ``doc[ss:se]`` states a wish against the facts (see
    :meth:`ClauseScorer.counterfactual`)."""
    return any(t.lower_ in _COUNTERFACTUAL for t in doc[ss:se])


def wished(polarity: float, doc: Doc, ss: int, se: int) -> float:
    """Polarity of praise in a wish or suggestion (mode ``desired``), sentence ``doc[ss:se]``: the
    praise describes the wanted state, not the current one. It counts 0 ("it would be good to get
    a text reminder"); when the wish is against the facts ("I wish the staff were as cheerful as
    last year", "if the timetable were actually up to date") the present lacks it:
    :data:`DESIRED_POSITIVE` times itself. Criticism is left as it is."""
    if polarity <= 0:
        return polarity
    words = " " + " ".join(t.lower_ for t in doc[ss:se]) + " "
    if any(f" {cue} " in words for cue in _praise_kept()):  # "keep up the good work", "you'd love it"
        return polarity
    return polarity * DESIRED_POSITIVE if counterfactual(doc, ss, se) else 0.0


@lru_cache(maxsize=1)
def _praise_kept() -> tuple[str, ...]:
    """Cues of a wish that praises the present (``rules.wish_praise`` in cx_sentiment.yml), as
    spaCy tokenises them, lower case."""
    cues = (load_lexicon("cx_sentiment.yml").get("rules") or {}).get("wish_praise") or ()
    return tuple(" ".join(str(c).lower().replace("n't", " n't").split()) for c in cues)


@lru_cache(maxsize=1)
def _absence_rule() -> tuple[frozenset, frozenset, float]:
    spec = (load_lexicon("cx_sentiment.yml").get("rules") or {}).get("absence") or {}
    return (frozenset(m.lower() for m in spec.get("markers", ())), frozenset(w.lower() for w in spec.get("burdens", ())),
            float(spec.get("valence", 0.0)))


def _distance(hit: tuple, i0: int, i1: int) -> int:
    s, e = hit[0], hit[1]
    if e > i0 and s < i1:
        return 0
    return s - i1 + 1 if s >= i1 else i0 - e + 1


#: A clue with no sentiment of its own across a contrast marker from the sentence's sentiment
#: takes this share of the opposite orientation ("great app but the staff had no idea").
CONTRAST_FLIP = 0.5
#: First tokens of the contrast markers (``contrast_after`` and ``contrast_sub`` in cx_sentiment.yml).
_CONTRAST_FIRST = frozenset(("but", "however", "yet", "except", "other", "apart", "although", "though",
                             "even", "despite", "in", "whereas", "while", "whilst"))
#: |valence sum| (VADER scale) each side of a contrast needs for a clue's feeling to be "mixed".
MIXED_MIN = 1.0
#: Second words of multi-word contrast markers and degree adverbs skipped after a marker.
_CONTRAST_REST = frozenset(("though", "for", "from", "than", "spite", "of", "also", "still", "then", "quite",
                            "rather", "very", "so", "too", "a", "bit", "little", "now", "sometimes", "just"))
#: Pronouns that refer back to the clue ("the car was spacious, although it rattled").
_BACK_REFERENCE = frozenset(("it", "they", "he", "she", "'s", "'re"))
#: Words that open a new subject after a contrast marker ("but the phone line is hopeless").
_NEW_SUBJECT = frozenset(("the", "a", "an", "my", "our", "your", "his", "her", "their", "its", "this", "that",
                          "these", "those", "everything", "everyone", "everybody", "nothing", "nobody", "no",
                          "someone", "something", "all", "most", "some", "i", "we", "you", "there", "other",
                          "others", "each", "every", "any", "one"))
#: Words that open a condition (``rules.conditional`` in cx_sentiment.yml).
_IF = frozenset(("if", "unless"))
#: Personal pronouns that refer to a person clue ("… and she was wonderful": see ``_person_referent``).
_PERSONAL = frozenset(("he", "she"))
#: Words that may open a clause before its subject ("and", "but then", "so").
_CLAUSE_OPENERS = _CONTRAST_FIRST | frozenset(("and", "or", "so", "then", "because", "as", "plus", "also", "even"))
#: Positive polarity in a wish or suggestion is the wanted state: it becomes this times itself
#: when the wish is against the facts, else 0 (:func:`wished`).
DESIRED_POSITIVE = -0.3
#: Words that make a wish counterfactual (the present lacks what is wished for).
_COUNTERFACTUAL = frozenset(("were", "actually", "properly", "once", "had"))
#: Tokens that may stand between two coordinated clues ("the seats and the food").
_COORD = frozenset((",", "and", "or", "&", "/", "the", "a", "an", "their", "its", "our", "my", "your", "both",
                    "plus", "as", "well", "also", "all", "of"))


def span_polarity(doc: Doc, start: int, end: int) -> float:
    """Polarity of the valence hits inside tokens ``[start, end)`` (no scoping)."""
    total, _ = _sum_in(doc._.valence or [], start, end)
    return normalize(total)


def polarity_of(text: str, *, nlp=None) -> float:
    """Polarity (-1 … 1) of a plain string: the mean of its sentences' scores.

    Uses the cached default pipeline unless ``nlp`` is given. Convenience only:
    to score many texts, run ``nlp.pipe`` and read ``doc._.sent_sentiment``.
    """
    if nlp is None:
        from . import get_pipeline

        nlp = get_pipeline()
    if not isinstance(text, str):
        raise TypeError(f"polarity_of: expected a str, found {type(text).__name__}")
    doc = nlp(text)
    scores = [s for s in doc._.sent_sentiment or [] if s]
    return float(sum(scores) / len(scores)) if scores else 0.0
