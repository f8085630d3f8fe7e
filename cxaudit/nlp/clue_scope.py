"""The feeling of a clue: clause-scoped polarity of token spans (after ``cx_sentiment``).

:class:`ClauseScorer` gives a clue at tokens ``[i0, i1)`` the sentiment that is its own —
its clause, its strong clause counting only the hits nearer to it (or to a clue coordinated
with it) than to another clue, the opposite orientation across a contrast; praise in a wish is
:mod:`cxaudit.nlp.wishes` (``wished``, re-exported here).
Absence ("no wifi") and failed actions ("nobody ever calls back") are
:mod:`cxaudit.nlp.failed_actions`; the clause before, :mod:`cxaudit.nlp.clause_before`; a clue said with one
that judges itself, :mod:`cxaudit.nlp.shared_judgement`. :func:`clause_polarity` is the character-offset
convenience. The method and its measured limits: docs/language.md, "The feeling of a clue".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from spacy.tokens import Doc

from . import clause_before, failed_actions, ownership, scope_rules, shared_judgement
from .clause_before import ELLIPSIS_NEGATION
from .lexicon import doc_words, ext_key, sentence_bounds
from .scope_rules import BACK_REFERENCE, CONDITION, CONTRAST_FIRST, NEW_SUBJECT
from .sentiment import normalize
from .subject_predicate import subject_predicate
from .wishes import DESIRED_POSITIVE, counterfactual, wished  # re-exported: the wish rules are wishes.py's

__all__ = ["ClauseScorer", "clause_polarity", "wished", "counterfactual", "CONTRAST_FLIP", "DESIRED_POSITIVE"]

_K_VALENCE, _K_BREAKS, _K_SCORES = ext_key("valence"), ext_key("clause_breaks"), ext_key("sent_sentiment")


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

    __slots__ = ("doc", "n", "starts", "sents", "strong", "weak", "breaks", "hits", "scores", "_shapes")

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
        self.breaks = sorted(self.strong + self.weak)  # every clause start, strong or weak
        self.hits = hits
        self.scores = user_data[_K_SCORES]
        self._shapes: dict[tuple[int, int], list] = {}  # strong clause -> its subjects with a modifier

    def _bounds(self, i0: int, i1: int) -> tuple[int, int, int, int, int, int, int]:
        """``(k, ss, se, a, b, wa, wb)`` around the clue at tokens ``[i0, i1)``: its sentence ``k`` and that
        sentence's bounds, its strong clause ``[a, b)`` and its weak clause ``[wa, wb)``."""
        k = max(0, bisect_right(self.starts, i0) - 1)
        ss, se = self.sents[k]
        se = max(se, min(i1, self.n))
        a, b = _enclosing(self.strong, ss, se, i0, i1)
        return (k, ss, se, a, b, *_enclosing(self.weak, a, b, i0, i1))

    def strong_clause(self, i0: int, i1: int) -> tuple[int, int]:
        """Token bounds ``[a, b)`` of the strong clause around the clue at tokens ``[i0, i1)``."""
        return self._bounds(i0, i1)[3:5]

    def weak_clause(self, i0: int, i1: int) -> tuple[int, int]:
        """Token bounds ``[a, b)`` of the weak clause around the clue at tokens ``[i0, i1)``."""
        return self._bounds(i0, i1)[5:]

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
           when the clause has other sentiment: "the fraud team was amazing" is positive); a
           subject with a modifier takes its main predicate ("the driver who dropped off the parcel
           was lovely": the driver's, not the parcel's; :mod:`cxaudit.nlp.subject_predicate`);
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
        k, ss, se, a, b, wa, wb = self._bounds(i0, i1)
        hits = self.hits
        shape = self._shape(a, b, i0, i1, others)
        if shape:  # "the driver who dropped off the parcel was lovely": the predicate is the driver's
            s, h1, m, v, pe = shape
            if i1 <= h1:
                predicate = [h for h in hits if v <= h[0] < pe]
                if predicate:
                    return normalize(sum(h[2] for h in predicate)), "clause"
            elif i0 >= v:  # "… was **very rude**": the modifier's words ("answered") are not its clause
                wa = max(wa, v)
            elif i1 <= v:  # the parcel: the predicate is the driver's
                wb = min(wb, v)
                hits = [h for h in hits if not v <= h[0] < pe]
        in_weak = [h for h in hits if h[1] > wa and h[0] < wb]
        if in_weak and all(h[1] <= i0 for h in in_weak) and any(
                t.lower_ in _NEW_CLAUSE for t in self.doc[max(h[1] for h in in_weak):i0]):
            failed = failed_actions.failed(self, i0, i1)
            if failed:  # "sorted out a problem that **the phone line couldn't fix**": the line failed
                return failed, "absence"
        if in_weak:
            # the clue's own words name the topic when the clause also judges it ("the fraud team
            # was amazing"); alone they are the judgement ("keeps crashing")
            outside = [h for h in in_weak if h[0] < i0 or h[1] > i1]
            if outside and len(outside) < len(in_weak) and (
                    not any(abs(h[2]) >= OUTSIDE_MIN for h in outside)
                    or (all(h[1] <= i0 for h in outside)
                        and max(abs(h[2]) for h in in_weak if h not in outside) > max(abs(h[2]) for h in outside))):
                # only faint words around a clue that judges itself ("charged a **fair price**"), or fainter
                # words before it than its own ("greeted by **a very rude** waiter"): its own words decide with
                # them; a predicate after it judges it ("**loyalty** is punished here": "loyalty" +2.5 names it)
                outside = []
            own = sum(h[2] for h in (outside or in_weak))
            if all(i0 <= h[0] and h[1] <= i1 for h in in_weak):
                # the clue is its clause's only judgement, its own words ("friendly", "keeps crashing"): what
                # the sentence says across a contrast is about something else ("the staff were friendly but
                # they had no idea" gives the staff both; the courtesy clue "friendly" stays praise) — unless it is
                # a verdict on the money's worth ("expensive but **well worth the money**": session 24)
                worth = scope_rules.worth_across(self, hits, a, b, ss, se, others)
                if abs(worth) >= MIXED_MIN and abs(own) >= MIXED_MIN and (worth > 0) != (own > 0):
                    return normalize(0.5 * own + 1.5 * worth), "mixed"
                return normalize(own), "clause"
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
        described = self._relative_clause(i1, a, b, others)
        if described:  # "the staff, who were actually helpful, …": the relative clause is about the clue
            return normalize(sum(h[2] for h in described)), "clause"
        if any(w in CONDITION for w in doc_words(self.doc)[0][wa:i0]):
            # the clue sits in a condition with no judgement of its own: "if the delivery arrives on
            # Friday, I will be happy" says nothing yet about the delivery
            return 0.0, "none"
        lead = self._judged_with(wa, a, others)
        if lead:  # "I've got no problem with the staff, it's the systems …": the judgement the clue completes
            return normalize(sum(h[2] for h in lead)), "clause"
        exception = self._exception(i1, a, b)
        if exception:  # "apart from the wait, everything was perfect": the wait is what was not
            return -CONTRAST_FLIP * normalize(sum(h[2] for h in exception)), "contrast"
        named = clause_before.instance(self, wa, i0, a)
        if named:  # "the food was outstanding, **particularly the salmon**": an instance of what was judged
            return normalize(sum(h[2] for h in named)), "strong"
        elided = clause_before.elided_negation(self, wa, i1, wb, a)
        if elided:  # "the food was great, **the service wasn't**": the judgement before, negated
            return ELLIPSIS_NEGATION * normalize(sum(h[2] for h in elided)), "strong"
        partner = shared_judgement.partner_hits(self, i0, i1, others)
        if partner:  # "the food was **spicy and delicious**": spicy shares the judgement it is said with
            return normalize(sum(h[2] for h in partner)), "strong"
        listed = shared_judgement.continued_predicate(self, i0, i1, wa, wb, b, others)
        if listed:  # "the food is made from scratch, **fresh** and well prepared": the list goes on about it
            return normalize(sum(h[2] for h in listed)), "strong"
        if (wa, wb) != (a, b):
            limit = MIN_CLAUSE_WORDS if min_words is None else min_words
            if limit and sum(1 for t in self.doc[wa:wb] if not (t.is_punct or t.is_space)) >= limit:
                return 0.0, "none"
        others = [o for o in others if o[0] < se and o[1] > ss and not (o[0] < i1 and o[1] > i0)]
        in_strong = [h for h in hits if h[1] > a and h[0] < b]
        if in_strong:
            mine = ownership.owned(self, in_strong, i0, i1, others, (wa, wb))
            return (normalize(sum(h[2] for h in mine)), "strong") if mine else (0.0, "none")
        in_sent = [h for h in hits if h[1] > ss and h[0] < se]
        if not in_sent:
            return 0.0, "none"
        same = (self._across_contrast(in_sent, a, b, ss, se, free_of=others, customer=True)
                or self._referred_back(in_sent, b, se, others))
        if same:  # "many thanks for the refund, but it was the wrong amount": the same clue goes on
            return normalize(sum(h[2] for h in same)), "strong"
        across = self._across_contrast(in_sent, a, b, ss, se)
        if across:
            return -CONTRAST_FLIP * normalize(sum(h[2] for h in across)), "contrast"
        if others:
            mine = ownership.owned(self, in_sent, i0, i1, others, (wa, wb))
            return (normalize(sum(h[2] for h in mine)), "sentence") if mine else (0.0, "none")
        if fallback == "sentence":
            return float(self.scores[k]), "sentence"
        return 0.0, "none"

    def _shape(self, a: int, b: int, i0: int, i1: int, others) -> tuple[int, int, int, int, int] | None:
        """``(s, h1, m, v, pe)`` when the clue at ``[i0, i1)`` stands in a clause opening at ``s`` (the
        strong clause's start ``a`` or a weak clause start) whose subject ``[s, h1)`` carries a modifier
        ``[m, v)`` before its main predicate ``[v, pe)`` (:func:`subject_predicate`), the clue inside it.
        The subject must end with a clue (this one or one of ``others``): without a parser, that is what
        says the words before the modifier are a noun phrase ("the waiter made certain that our dishes
        were …" has none)."""
        shapes = self._shapes.get((a, b))
        if shapes is None:  # once per strong clause: every clause start in it, the latest first
            shapes = self._shapes[(a, b)] = [
                (s, found) for s in [w for w in reversed(self.weak) if a < w < b] + [a]
                if (found := subject_predicate(self.doc, s, b, self.weak)) is not None]
        for s, found in shapes:
            if s <= i0 < found[4]:
                h1 = found[1]
                if any(s <= c0 and c1 == h1 for c0, c1 in [(i0, i1), *others]):
                    return s, *found[1:]
                return None
        return None

    def _relative_clause(self, i1: int, a: int, b: int, others) -> list:
        """The sentiment hits of a relative clause that describes the clue ending at token ``i1``:
        "who", "which" or "whose" right after it (a comma between at most) opens a clause of its
        strong clause ``[a, b)`` ("the staff, **which were actually helpful**, made up for it", "I
        rang the helpline, **which was useless**"); empty when no such clause follows, it has no
        sentiment, or another clue that is not the judgement itself stands in it ("the app, which the
        staff recommended, …"). "That"
        is left out: it opens as many complement clauses ("I told the agent that it was wrong")."""
        doc = self.doc
        j = i1
        while j < b and doc[j].is_punct and doc[j].lower_ == ",":
            j += 1
        if j >= b or doc[j].lower_ not in _RELATIVE:
            return []
        ra, rb = _enclosing(self.weak, a, b, j, j + 1)
        hits = [h for h in self.hits if h[1] > max(ra, j) and h[0] < rb]
        # another clue there is the clause's own topic ("which the staff recommended"), unless it is
        # the judgement itself ("which were actually helpful": "helpful" may be a clue too)
        if any(o[0] < rb and o[1] > ra and not any(h[1] > o[0] and h[0] < o[1] for h in hits) for o in others):
            return []
        return hits

    def _judged_with(self, wa: int, a: int, others) -> list:
        """The hits of the weak clause before the clue's when the clue's opens with "with" right after a
        judgement that takes its object with "with" (``rules.with_stimulus`` in cx_sentiment.yml): "**no
        problem** with the staff", "**disappointed** with the service", "**happy** with the repair" — the
        clue completes that judgement. Empty when the word before "with" is not such a word ("pushy with
        the hostess" judges the speaker, "agree with the reviews" no one), is no sentiment word, or
        another clue stands in that clause."""
        doc = self.doc
        if wa <= a or doc[wa].lower_ != "with" or doc[wa - 1].lower_ not in scope_rules.with_stimulus():
            return []
        pa = max((w for w in self.weak if a <= w < wa), default=a)
        lead = [h for h in self.hits if pa <= h[0] and h[1] <= wa]
        if not lead or lead[-1][1] != wa or any(o0 < wa and o1 > pa for o0, o1 in others):
            return []
        return lead

    def _exception(self, i1: int, a: int, b: int) -> list:
        """The hits of the rest of the strong clause ``[a, b)`` when it opens with an exception
        ("apart from", "aside from", "except (for)", "other than") and the clue ending at token ``i1``
        stands in the exception, before its comma: "**apart from the wait**, everything was perfect"
        sets the wait apart from the praise (Ding, Liu & Yu 2008 read "except" as a contrast). Empty
        otherwise; called only for a clue whose own weak clause has no sentiment."""
        doc = self.doc
        if not scope_rules.starts_at(doc, a, _EXCEPTION):
            return []
        comma = next((j for j in self.weak if a < j < b and doc[j].lower_ == ","), b)
        if i1 > comma:
            return []
        return [h for h in self.hits if comma <= h[0] < b]

    def _across_contrast(self, hits, a: int, b: int, ss: int, se: int, *, free_of=None, customer: bool = False) -> list:
        """Hits of the clause next to ``[a, b)`` across a contrast marker (after, else before).

        With ``free_of`` (clue spans) the question is whether that clause judges the same clue:
        only the clause after the clue's, when none of the clues stands in it and it starts no
        new subject (:meth:`_new_subject`; with ``customer``, "I"/"we" opens none)."""
        doc = self.doc
        strong = self.strong
        same = free_of is not None  # asking whether the other clause is about the same clue
        if b < se and doc[b].lower_ in CONTRAST_FIRST:  # "X but [Y]": the clause after
            nb = next((s for s in strong if s > b), se)
            after = [h for h in hits if h[0] >= b and h[0] < nb]
            if after and not (same and (any(o0 < nb and o1 > b for o0, o1 in free_of)
                                        or self._new_subject(b, nb, customer))):
                return after
        if a > ss and doc[a].lower_ in CONTRAST_FIRST:  # "[X] but Y": the clause before
            pa = max((s for s in strong if s < a), default=ss)
            before = [h for h in hits if h[0] >= pa and h[0] < a]
            if before and not same:  # the clause before is about the same clue only when it has no subject of its own
                return before
        return []

    def _referred_back(self, hits, b: int, se: int, others) -> list:
        """Hits of the clause after a contrast marker at ``b`` that refers back to the clue with "it"
        or "they" and holds no clue but the judgement itself: "the app is okay **but it keeps
        crashing**" ("keeps crashing" is a clue of its own) judges the app, not its opposite."""
        doc = self.doc
        if b >= se or doc[b].lower_ not in CONTRAST_FIRST:
            return []
        nb = next((s for s in self.strong if s > b), se)
        j = b + 1
        while j < nb and (doc[j].lower_ in _CONTRAST_REST or doc[j].is_punct):
            j += 1
        if j >= nb or doc[j].lower_ not in ("it", "they"):
            return []
        # the back-referring clause ends at its weak break: "but it never arrived, and the chat bot …"
        nb = next((w for w in self.weak if j < w < nb), nb)
        after = [h for h in hits if b <= h[0] < nb]
        if not after or any(o0 < nb and o1 > b and not any(h[0] < o1 and h[1] > o0 for h in after) for o0, o1 in others):
            return []
        return after

    def _new_subject(self, b: int, nb: int, customer: bool = False) -> bool:
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
        if word in BACK_REFERENCE or customer and word in _CUSTOMER:
            return False
        return word in NEW_SUBJECT or scope_rules.overall_verdict(doc, j, nb) or doc[j].is_title and j > 0 and not doc[j].is_sent_start

    def around(self, i0: int, i1: int) -> tuple[int, int, int, int, int, int]:
        """``(ss, se, a, b, wa, wb)``: the sentence, strong clause and weak clause of tokens ``[i0, i1)``."""
        ss, se = self.sents[max(0, bisect_right(self.starts, i0) - 1)]
        a, b = _enclosing(self.strong, ss, se, i0, i1)
        return (ss, se, a, b, *_enclosing(self.weak, a, b, i0, i1))

    def counterfactual(self, i0: int) -> bool:
        """True when the sentence of token ``i0`` states a wish against the facts ("I wish the staff
        were…", "if the timetable was actually…", "had been"): its praise implies the present lacks it."""
        k = max(0, bisect_right(self.starts, i0) - 1)
        ss, se = self.sents[k]
        return counterfactual(self.doc, ss, se)


#: Sentiment around a clue that holds its own judgement counts alone only from this |valence| (VADER's
#: scale) on: "the fraud team was **amazing**" leaves "fraud" out, "charged (-0.3) a fair price" does not.
OUTSIDE_MIN = 0.5
#: A clue with no sentiment of its own across a contrast marker from the sentence's sentiment
#: takes this share of the opposite orientation ("great app but the staff had no idea").
CONTRAST_FLIP = 0.5
#: Exceptions that open a clause ("apart from the wait, …"), as tuples of lower-case words.
_EXCEPTION = (("apart", "from"), ("aside", "from"), ("except",), ("other", "than"))
#: |valence sum| (VADER scale) each side of a contrast needs for a clue's feeling to be "mixed".
MIXED_MIN = 1.0
#: Second words of multi-word contrast markers and degree adverbs skipped after a marker.
_CONTRAST_REST = frozenset(("though", "for", "from", "than", "spite", "of", "also", "still", "then", "quite",
                            "rather", "very", "so", "too", "a", "bit", "little", "now", "sometimes", "just"))
#: The customer opening a clause with no clue after a contrast: "I've got **the app** but I can never log in".
_CUSTOMER = frozenset(("i", "we"))
#: Words that open a clause of its own inside a weak clause ("a problem **that** the phone line couldn't fix").
_NEW_CLAUSE = frozenset(("that", "which", "who", "whom", "and", "but", "because", "so", ","))
#: Relative pronouns that open a clause describing the noun right before them.
_RELATIVE = frozenset(("who", "which", "whose"))
