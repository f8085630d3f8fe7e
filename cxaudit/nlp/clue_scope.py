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

from . import clause_before, failed_actions, scope_rules, shared_judgement
from .clause_before import ELLIPSIS_NEGATION
from .lexicon import ext_key, sentence_bounds
from .scope_rules import CONDITION, DETERMINERS, LIST_SEPARATORS
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
                worth = scope_rules.worth_across(self, [h for h in hits if h[1] > ss and h[0] < se], a, b, ss, se,
                                                 others)
                if worth and abs(worth) >= MIXED_MIN and abs(own) >= MIXED_MIN and (worth > 0) != (own > 0):
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
        if any(t.lower_ in CONDITION for t in self.doc[wa:i0]):
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
            mine = self._owned(in_strong, i0, i1, others, (wa, wb))
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
            mine = self._owned(in_sent, i0, i1, others, (wa, wb))
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

    def _owned(self, hits, i0: int, i1: int, others, weak: tuple[int, int]) -> list:
        """The hits nearer to tokens ``[i0, i1)`` than to any other clue (ties count as this
        clue's; so do a coordinated clue's, also through a list — "the seats and the food were
        awful", "we love the food, drinks, and atmosphere" — when the clue's
        weak clause ``weak`` is nothing but the clue — "we asked for the bill and the food was
        cold" does not share)."""
        if not others:  # a "he"/"she" clause still belongs only to a clue that names a person
            return [h for h in hits if self._person_referent(h[0], [(i0, i1)]) in (None, (i0, i1))]
        doc = self.doc
        # the clue's weak clause holds nothing but clues ("wine selection": two), coordination and an opener
        bare = all(doc[j].lower_ in _COORD or doc[j].is_punct or j == weak[0] and doc[j].lower_ in _CLAUSE_OPENERS
                   for j in range(weak[0], weak[1]) if not i0 <= j < i1 and not any(o0 <= j < o1 for o0, o1 in others))
        group = [(i0, i1)]  # the clue and the clues coordinated with it, through a list ("the food, drinks, and atmosphere")
        rivals = list(others)
        grown = bare
        while grown:
            grown = False
            for o in rivals:
                if any(self._coordinated(o, g0, g1) for g0, g1 in group):
                    group.append(o), rivals.remove(o)
                    grown = True
                    break
        clues = sorted(group + rivals)
        out = []
        for h in hits:
            if self._universal(h[0], clues):  # "everything was excellent": every clue's
                out.append(h)
                continue
            referent = self._person_referent(h[0], clues)
            if referent is None:
                referent = self._continued_subject(h[0], clues)
            if referent is not None:  # "the waiter brought our food and he was rude": the waiter's
                if referent in group:
                    out.append(h)
                continue
            d = min(_distance(h, g0, g1) for g0, g1 in group)
            if all(d <= _distance(h, o[0], o[1]) for o in rivals):
                out.append(h)
        return out

    def _clause_of(self, j: int) -> tuple[int, int, int]:
        """``(sentence start, clause start, clause end)`` of token ``j``: the clause between the
        clause breaks (strong or weak) around it, within its sentence."""
        breaks = self.breaks
        ss, se = self.sents[max(0, bisect_right(self.starts, j) - 1)]
        k = bisect_right(breaks, j)  # breaks[:k] start at or before j
        lo = max(ss, breaks[k - 1]) if k else ss
        hi = min(se, breaks[k]) if k < len(breaks) else se
        return ss, lo, hi

    def _person_referent(self, j: int, clues: list[tuple[int, int]]) -> tuple[int, int] | None:
        """The clue a hit at token ``j`` belongs to when its clause opens with "he" or "she" and holds
        no clue: the sentence's first clue before that clause that names a person (``rules.people`` in
        cx_sentiment.yml; the subject is the likeliest referent of a personal pronoun, Hobbs 1978: "the
        waiter brought our food and he was rude"), or, when clues come before it but none names a person,
        :data:`_NOBODY` for a judgement of the person ("I called about my bill and she was wonderful": not
        the bill's) and the first clue for anything else ("… she couldn't find how to pay"); ``None`` when
        the clause does not open so, or no clue comes before it. A clue at the hit itself does not
        count as standing in the clause ("and she's very **helpful**")."""
        ss, lo, hi = self._clause_of(j)
        doc = self.doc
        k = lo
        while k < hi and (doc[k].is_punct or doc[k].lower_ in _CLAUSE_OPENERS):
            k += 1
        # a clue that is the judgement itself ("she's **very helpful**": "helpful" may be a clue) is no
        # other referent standing in the clause
        if k >= hi or doc[k].lower_ not in _PERSONAL or any(c0 < hi and c1 > lo and not c0 <= j < c1 for c0, c1 in clues):
            return None
        before = [c for c in clues if ss <= c[0] and c[1] <= lo]
        if not before:
            return None
        person = next((c for c in before if scope_rules.names_person(doc, c[0], c[1])), None)
        if person is not None:
            return person
        # no clue names a person: a judgement of the person ("he was rude", "she seemed lovely") is no
        # clue's ("I rang about my broadband and he was rude": not the broadband's); what the person
        # went through goes to the first clue as before ("my mum, who I set up on the app, … she
        # couldn't find how to pay": the app's)
        return _NOBODY if k + 1 < hi and doc[k + 1].lower_ in _COPULA else before[0]

    def _universal(self, j: int, clues: list[tuple[int, int]]) -> bool:
        """True when the hit at token ``j`` stands in a clause about everything — its subject is
        "everything", "everyone", "everybody" or "all" + a verb ("everything was excellent, the
        menu is extensive and you eat with a view": the view is praised too) — and no clue stands
        in that clause. "Everything else" is not: it sets the other clues apart."""
        ss, lo, hi = self._clause_of(j)
        doc = self.doc
        k = lo
        while k < hi and (doc[k].is_punct or doc[k].lower_ in _CLAUSE_OPENERS):
            k += 1
        if k + 1 >= hi or k > j or any(c0 < hi and c1 > lo and not c0 <= j < c1 for c0, c1 in clues):
            return False
        word, after = doc[k].lower_, doc[k + 1].lower_
        if word == "all":
            return after in _UNIVERSAL_VERBS
        return word in _UNIVERSAL and after not in ("else", "but")

    def _continued_subject(self, j: int, clues: list[tuple[int, int]]) -> tuple[int, int] | None:
        """The clue a hit at token ``j`` belongs to when its clause is a subject-less continuation
        ("our waiter took the drinks order **and never came back**", "the room was clean and
        spacious"): the clause opens with "and" (or "and then"), its first word starts no new
        subject and no clue stands in it, and the clause before it opens with a clue (its
        subject) — that clue. ``None`` otherwise (the hit then goes to the nearest clue)."""
        ss, lo, hi = self._clause_of(j)
        doc = self.doc
        if lo <= ss or doc[lo].lower_ != "and" or any(c0 < hi and c1 > lo and not c0 <= j < c1 for c0, c1 in clues):
            return None  # a clue at the hit itself is the judgement ("and was really **rude**"), not a subject
        first = lo + 1
        while first < hi and doc[first].lower_ in _CONTINUATION_ADVERBS:
            first += 1
        if first >= hi or first > j:
            return None
        word = doc[first]
        if word.is_punct or word.lower_ in _NEW_SUBJECT or word.lower_ in _BACK_REFERENCE or word.is_title:
            return None
        # the clause before (a lone "," between them is no clause): its first noun phrase must be a clue
        breaks = self.breaks
        b = bisect_right(breaks, lo - 1) - 1
        while b >= 0 and breaks[b] >= ss and breaks[b] == lo - 1 and doc[breaks[b]].is_punct:
            lo, b = breaks[b], b - 1
        start = max(ss, breaks[b]) if b >= 0 else ss
        while start < lo and (doc[start].is_punct or doc[start].lower_ in _CLAUSE_OPENERS
                              or doc[start].lower_ in DETERMINERS):
            start += 1
        return next((c for c in clues if c[0] <= start < c[1]), None)  # "the receptionist" may include "the"

    def _coordinated(self, other: tuple[int, int], i0: int, i1: int) -> bool:
        """True when only coordination and determiners stand between the two clues, or a list goes
        on between them through items that are no clue: "we love the food, **drinks**, and atmosphere",
        "the service, **wine selection**, ambiance are all outstanding" — each item one to three words
        between "," / "and" / "or", with no sentiment, no verb of :data:`_LIST_BREAKERS` and no
        relative pronoun ("the staff were rude, food cold and the room dirty" is no list)."""
        lo, hi = (other[1], i0) if other[1] <= i0 else (i1, other[0])
        doc = self.doc
        if hi - lo <= 6 and all(doc[j].lower_ in _COORD for j in range(lo, hi)):
            return True
        if hi - lo > 10:
            return False
        item, separated = 0, False
        for j in range(lo, hi):
            word = doc[j].lower_
            if word in LIST_SEPARATORS:
                item, separated = 0, True
                continue
            if word in DETERMINERS or word in ("both", "all", "also", "plus"):
                continue
            item += 1
            if item > 3 or not doc[j].is_alpha or word in _LIST_BREAKERS or any(h[0] <= j < h[1] for h in self.hits):
                return False
        return separated and item == 0

    def _across_contrast(self, hits, a: int, b: int, ss: int, se: int, *, free_of=None, customer: bool = False) -> list:
        """Hits of the clause next to ``[a, b)`` across a contrast marker (after, else before).

        With ``free_of`` (clue spans) the question is whether that clause judges the same clue:
        only the clause after the clue's, when none of the clues stands in it and it starts no
        new subject (:meth:`_new_subject`; with ``customer``, "I"/"we" opens none)."""
        doc = self.doc
        strong = self.strong
        same = free_of is not None  # asking whether the other clause is about the same clue
        if b < se and doc[b].lower_ in _CONTRAST_FIRST:  # "X but [Y]": the clause after
            nb = next((s for s in strong if s > b), se)
            after = [h for h in hits if h[0] >= b and h[0] < nb]
            if after and not (same and (any(o0 < nb and o1 > b for o0, o1 in free_of)
                                        or self._new_subject(b, nb, customer))):
                return after
        if a > ss and doc[a].lower_ in _CONTRAST_FIRST:  # "[X] but Y": the clause before
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
        if b >= se or doc[b].lower_ not in _CONTRAST_FIRST:
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
        if word in _BACK_REFERENCE or customer and word in _CUSTOMER:
            return False
        return word in _NEW_SUBJECT or scope_rules.overall_verdict(doc, j, nb) or doc[j].is_title and j > 0 and not doc[j].is_sent_start

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


def _distance(hit: tuple, i0: int, i1: int) -> int:
    s, e = hit[0], hit[1]
    if e > i0 and s < i1:
        return 0
    return s - i1 + 1 if s >= i1 else i0 - e + 1


#: Sentiment around a clue that holds its own judgement counts alone only from this |valence| (VADER's
#: scale) on: "the fraud team was **amazing**" leaves "fraud" out, "charged (-0.3) a fair price" does not.
OUTSIDE_MIN = 0.5
#: A clue with no sentiment of its own across a contrast marker from the sentence's sentiment
#: takes this share of the opposite orientation ("great app but the staff had no idea").
CONTRAST_FLIP = 0.5
#: First tokens of the contrast markers (``contrast_after`` and ``contrast_sub`` in cx_sentiment.yml).
_CONTRAST_FIRST = frozenset(("but", "however", "yet", "except", "other", "apart", "aside", "although", "though",
                             "even", "despite", "in", "whereas", "while", "whilst"))
#: Exceptions that open a clause ("apart from the wait, …"), as tuples of lower-case words.
_EXCEPTION = (("apart", "from"), ("aside", "from"), ("except",), ("other", "than"))
#: |valence sum| (VADER scale) each side of a contrast needs for a clue's feeling to be "mixed".
MIXED_MIN = 1.0
#: Second words of multi-word contrast markers and degree adverbs skipped after a marker.
_CONTRAST_REST = frozenset(("though", "for", "from", "than", "spite", "of", "also", "still", "then", "quite",
                            "rather", "very", "so", "too", "a", "bit", "little", "now", "sometimes", "just"))
#: Pronouns that refer back to the clue ("the car was spacious, although it rattled").
_BACK_REFERENCE = frozenset(("it", "they", "he", "she", "'s", "'re"))
#: The customer opening a clause with no clue after a contrast: "I've got **the app** but I can never log in".
_CUSTOMER = frozenset(("i", "we"))
#: Words that open a new subject after a contrast marker ("but the phone line is hopeless").
_NEW_SUBJECT = frozenset(("the", "a", "an", "my", "our", "your", "his", "her", "their", "its", "this", "that",
                          "these", "those", "everything", "everyone", "everybody", "nothing", "nobody", "no",
                          "someone", "something", "all", "most", "some", "i", "we", "you", "there", "other",
                          "others", "each", "every", "any", "one"))
#: Words that open a clause of its own inside a weak clause ("a problem **that** the phone line couldn't fix").
_NEW_CLAUSE = frozenset(("that", "which", "who", "whom", "and", "but", "because", "so", ","))
#: Relative pronouns that open a clause describing the noun right before them.
_RELATIVE = frozenset(("who", "which", "whose"))
#: Personal pronouns that refer to a person clue ("… and she was wonderful": see ``_person_referent``).
_PERSONAL = frozenset(("he", "she"))
#: The referent of "he"/"she" judged as a person when no clue before it names a person: a span no clue has.
_NOBODY = (-1, -1)
#: Verbs after "he"/"she" that make the clause a judgement of the person ("she was wonderful").
_COPULA = frozenset(("was", "is", "'s", "s", "seemed", "seems", "sounded", "sounds", "looked", "looks", "felt",
                     "became", "got"))
#: Subjects of a judgement of everything (:meth:`ClauseScorer._universal`); "all" only before a verb.
_UNIVERSAL = frozenset(("everything", "everyone", "everybody"))
_UNIVERSAL_VERBS = frozenset(("is", "was", "were", "are", "'s", "has", "had", "have", "seemed", "seems", "looked",
                              "tasted", "felt", "went", "round"))
#: Words that may open a clause before its subject ("and", "but then", "so").
_CLAUSE_OPENERS = _CONTRAST_FIRST | frozenset(("and", "or", "so", "then", "because", "as", "plus", "also", "even"))
#: Adverbs that may open a subject-less continuation ("and then never came back").
_CONTINUATION_ADVERBS = frozenset(("then", "also", "still", "just", "even", "finally", "eventually", "later"))
#: Tokens that may stand between two coordinated clues ("the seats and the food").
_COORD = frozenset((",", "and", "or", "&", "/", "the", "a", "an", "their", "its", "our", "my", "your", "both",
                    "plus", "as", "well", "also", "all", "of"))
#: Words that make a stretch between two clues a clause, not a list item (verbs, pronouns, negators).
_LIST_BREAKERS = frozenset(("is", "are", "was", "were", "be", "been", "being", "am", "'s", "'re", "has", "have", "had",
                            "do", "does", "did", "who", "which", "that", "where", "when", "but", "so", "then", "i",
                            "we", "you", "he", "she", "it", "they", "not", "n't", "never", "no"))
