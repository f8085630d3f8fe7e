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

:mod:`cxaudit.nlp.clue_scope` gives each clue the part of that sentiment that is its own.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from functools import lru_cache

from spacy.attrs import LOWER, ORTH
from spacy.strings import hash_string
from spacy.tokens import Doc

from .circumstance import circumstances
from .durations import DurationRule
from .slots import SlotRule
from .clause_marks import glued_hyphen, temporal_while
from .irony import (EXASPERATION_VALENCE, HASH_ORTH, HASHTAG_CACHE, IRONY_ORTH, exasperated, ironic_coda,
                    ironic_hashtag, segment_hashtag, unmask_sarcasm)
from .lexicon import (AGAIN, AGAIN_VALENCE, BOOST, BUT, CNEG, COND, CTX, DUAL, EXCL, NEG, SO, STRONG, SUB, TOO, VAL,
                      WEAK, attribute_values, build_matcher, doc_layout, doc_words, ext_key, fold_elongations,
                      longest_first, phrase_tokens, sentiment_entries, sentiment_key, sentiment_rules)
from .counterfactual import COUNTERFACTUAL_MODALS, counterfactual_if, participle_after
from .resolved import NEGATOR_WORDS, STOP, resolved_objects

__all__ = [
    "NEUTRAL_BAND",
    "valence",
    "span_polarity",
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
#: How many more tokens a negator may reach when the words between are :data:`_NEG_TRANSPARENT`.
NEG_EXTRA_REACH = 3
#: Words a negator reaches across without counting them ("haven't had **a single** dropout").
_NEG_TRANSPARENT = frozenset(("a", "an", "any", "single", "one", "once", "ever", "-",  # "-": "not-so-fresh"
                              # "he never made me feel slow", "they didn't make us feel rushed"
                              "made", "make", "makes", "me", "us", "feel", "felt"))
#: Words across which a negation goes on to the next sentiment word ("not rude **or** pushy", "neither slow **nor** rude").
_NEG_CARRIERS = frozenset(("or", "nor"))
#: Booster increment of a degree word with its own valence ("terribly rude": a booster).
B_INCR = 0.293
#: The verb forms of "lack" are negators ("lacked charm" is a complaint about charm); one that negates no
#: judgement is a complaint of its own, as the noun is in VADER's lexicon ("lack" -1.3): "the service was
#: lacking", "the food was lacking in flavour", "communication is lacking throughout".
_LACK = frozenset(("lacked", "lacking", "lacks"))
LACK_VALENCE = -1.3



@lru_cache(maxsize=1)
def _recommendation_rule() -> tuple[frozenset, frozenset, frozenset, int]:
    """``rules.recommendation``: the phrases' first words, the phrases, the words that may open the
    sentence before one ("definitely try the spa") and the fewest words of a phrase."""
    spec = sentiment_rules().get("recommendation") or {}
    phrases = frozenset(" ".join(str(p).lower().split()) for p in spec.get("phrases", ()))
    return (frozenset(p.split()[0] for p in phrases), phrases,
            frozenset(str(w).lower() for w in spec.get("openers", ())), min((len(p.split()) for p in phrases), default=1))


def _opens_sentence(doc: Doc, i: int, openers: frozenset) -> bool:
    """True when only ``openers`` (and punctuation) stand between the start of token ``i``'s sentence and it."""
    j = i - 1
    while j >= 0 and not doc[j + 1].is_sent_start and (doc[j].lower_ in openers or doc[j].is_punct):
        j -= 1
    return j < 0 or doc[j + 1].is_sent_start


@lru_cache(maxsize=1)
def _past_state_blockers() -> frozenset:
    """Words before "used to" that make it "accustomed to" or a passive (``rules.past_state.not_after``)."""
    spec = sentiment_rules().get("past_state") or {}
    return frozenset(str(w).lower() for w in spec.get("not_after", ()))


@lru_cache(maxsize=1)
def _superlative_rule() -> dict:
    spec = sentiment_rules().get("negated_superlative") or {}
    return {key: frozenset(str(w).lower() for w in spec.get(key, ()))
            for key in ("modals", "between", "comparatives", "sufficiency", "sufficiency_verbs")}


def negated_superlative(doc: Doc, neg_end: int, s: int, e: int, se: int) -> bool:
    """True when the negator ending at token ``neg_end`` makes the sentiment word ``doc[s:e]`` a
    superlative, not its opposite (``rules.negated_superlative`` in cx_sentiment.yml): "can"/"could"
    + a negator, then only "be", "have been", "get" … and a comparative ("I couldn't be happier",
    "it couldn't be worse", "couldn't be more pleased"), or a word of praise said to fall short of
    enough ("I can't recommend them enough", "couldn't thank the nurses enough", "can't say enough
    good things")."""
    rule = _superlative_rule()
    if not rule["modals"] or neg_end < 2 or doc[neg_end - 2].lower_ not in rule["modals"]:
        return False
    between = [t.lower_ for t in doc[neg_end:s]]
    if "enough" in between and all(w in rule["between"] or w == "enough" or w == "say" for w in between):
        return True  # "can't say enough good things"
    if e - s == 1 and all(w in rule["between"] for w in between):
        word = doc[s]
        lower = word.lower_
        if lower in rule["comparatives"] or (between and between[-1] in ("more", "less")) or (
                lower.endswith("er") and word.lemma_.lower() not in ("", lower) and len(lower) > 4):
            return True  # "couldn't be happier": "happier" is a comparative of "happy"
    if doc[s].lemma_.lower() in rule["sufficiency_verbs"] or doc[s].lower_ in rule["sufficiency_verbs"]:
        for t in doc[e:min(se, e + 6)]:
            if t.is_punct:
                break
            if t.lower_ in rule["sufficiency"]:
                return True  # "can't recommend the staff enough", "couldn't recommend it any higher"
    return False


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


#: The score of a sentence that is exasperation alone ("Typical.": :func:`cxaudit.nlp.irony.exasperated`).
EXASPERATION = normalize(EXASPERATION_VALENCE)


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
        self.durations: DurationRule | None = None
        self.slots: SlotRule | None = None
        self._kinds: dict[int, tuple[int, float]] = {}
        self._values: dict[str, dict[str, float]] = {}  # context-dependent value word -> {group: valence}
        self._attributes: dict[int, frozenset[str]] = {}  # LOWER hash of an attribute word -> its groups
        self._reach = 4
        self._words: dict[str, float] = {}  # single lexicon words -> valence (for hashtags)
        self._negators: frozenset[str] = frozenset()
        self._hashtags: dict[str, float] = {}  # hashtag (lower case) -> valence, filled as they are met

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        """Build the phrase matcher (needs the pipeline's tokenizer)."""
        entries, table = sentiment_entries(self.extra_words, self.weak_breaks, self.inflect)
        # the big slot grammars are read slot by slot, the rest are the matcher's phrases (cxaudit/nlp/slots.py)
        self.slots, covered = SlotRule.build(nlp.vocab, lambda phrase: phrase_tokens(nlp, phrase),
                                    sentiment_rules().get("slot_phrases"),
                                    lambda value: sentiment_key(VAL, round(value, 3)), entries)
        self.matcher = build_matcher(nlp, (e for e in entries if e not in covered))
        spec = sentiment_rules().get("durations") or {}
        value = float(spec.get("valence", -1.2))
        table[sentiment_key(VAL, value)] = (VAL, value)
        self.durations = DurationRule(nlp.vocab, spec, sentiment_key(VAL, value))
        self._kinds = {nlp.vocab.strings[k]: v for k, v in table.items()}
        self._words = {phrase: table[key][1] for key, phrase in entries
                       if table[key][0] in (VAL, DUAL) and phrase.isalpha()}
        self._negators = frozenset(phrase for key, phrase in entries if table[key][0] == NEG and phrase.isalpha())
        fold_elongations(nlp.vocab, (phrase for _, phrase in entries if phrase.isalpha()))  # "loooove" reads "love"
        values, attributes, self._reach = attribute_values(sentiment_rules())
        self._values = values
        self._attributes = {hash_string(w): g for w, g in attributes.items()}

    def __call__(self, doc: Doc) -> Doc:
        if self.matcher is None:
            raise RuntimeError("cx_sentiment is not initialised: call nlp.initialize() (build_pipeline does)")
        kinds = self._kinds
        hits = [(kinds[m][0], kinds[m][1], s, e) if kinds[m][0] != SUB or not temporal_while(doc, s, e)
                else (WEAK, 0.0, s, e) for m, s, e in longest_first(self._matches(doc))
                if not (kinds[m][0] == WEAK and glued_hyphen(doc, s))]
        if any(hit[0] == NEG for hit in hits):
            hits = _lack_alone(doc, hits, self.window + NEG_EXTRA_REACH)
        if any(hit[0] == CTX for hit in hits):
            hits = self._in_context(doc, hits)
        if any(hit[0] == VAL and hit[1] < 0 for hit in hits):
            hits = circumstances(doc, resolved_objects(doc, hits))
        advice_first, advice, openers, shortest = _recommendation_rule()
        if hits and advice_first:
            # hits shorter than every advice phrase (most: single words) skip the token lookups
            hits = [h for h in hits if h[0] != VAL or h[3] - h[2] < shortest or doc[h[2]].lower_ not in advice_first
                    or " ".join(t.lower_ for t in doc[h[2]:h[3]]) not in advice or _opens_sentence(doc, h[2], openers)]
        orths = doc.to_array(ORTH).tolist()
        hashtag = HASH_ORTH in orths
        if hashtag:
            hits = self._with_hashtags(doc, hits, orths)
        strong: list[int] = []
        weak: list[int] = []
        val_hits: list[tuple[int, int, float]] = []
        scores: list[float] = []
        bounds, n_alpha, _, n_upper, upper = doc_layout(doc)
        h = 0
        n = len(hits)
        # irony markers are tokens of their own ("today 🙃", "great service /s"): look them up in the
        # ORTH column rather than building Doc.text (which makes a Token object per token)
        ironic_doc = bool(hits) and (not IRONY_ORTH.isdisjoint(orths) or hashtag and ironic_hashtag(doc, 0, len(doc)))
        for k, (ss, se) in enumerate(bounds):
            start = h
            while h < n and hits[h][2] < se:
                h += 1
            if n_alpha[k] <= 2 and all(x[0] == EXCL for x in hits[start:h]) and exasperated(doc, ss, se):
                scores.append(EXASPERATION)  # "Typical.", "How typical!"
                continue
            if start == h:
                scores.append(0.0)
                continue
            # ALL-CAPS emphasis counts only when the sentence is not all in capitals (VADER)
            caps = upper if n_upper[k] and n_upper[k] < n_alpha[k] else None
            sent_hits = unmask_sarcasm(doc, hits[start:h], ss, se, ironic_doc)
            if k and scores[k - 1] <= -NEUTRAL_BAND and ironic_coda(doc, ss, se, n_alpha[k]):
                # "Five star hotel, one star pillows. Love it.": praise alone after a complaint
                sent_hits = [(kd, -v, a, b) if kd == VAL and v > 0 else (kd, v, a, b) for kd, v, a, b in sent_hits]
            scores.append(self._score_sentence(doc, sent_hits, se, caps, val_hits, strong, weak))
        user_data = doc.user_data
        user_data[_K_VALENCE] = val_hits
        user_data[_K_BREAKS] = (strong, weak)
        user_data[_K_SCORES] = scores
        return doc

    def _matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """The lexicon's phrase matches, the ``durations`` rule's and the slot grammars', in text order."""
        matches = self.matcher(doc)
        lowers = doc.to_array(LOWER).tolist()
        more = self.durations(doc, lowers) if self.durations is not None else []
        if self.slots is not None:
            more += self.slots(doc, lowers)
        return sorted(dict.fromkeys(matches + more), key=lambda m: (m[1], m[2])) if more else matches

    def _with_hashtags(self, doc: Doc, hits: list, orths: list) -> list:
        """``hits`` plus the sentiment of hashtags that are not a lexicon word themselves
        ("#epicfail", "#JetBlueRocks", "#neveragain"): the tag is split into English words
        (:func:`segment_hashtag`) and scored as a phrase — the words' valences, a negator turning
        the next word (×-0.74), "never … again" -1.5 (:data:`~cxaudit.nlp.lexicon.AGAIN_VALENCE`)."""
        taken = {i for _, _, s, e in hits for i in range(s, e)}
        extra = []
        for i, orth in enumerate(orths[:-1]):
            if orth != HASH_ORTH or doc[i].whitespace_ or i + 1 in taken:
                continue
            tag = doc[i + 1].lower_
            value = self._hashtags.get(tag)
            if value is None:
                words = segment_hashtag(tag, self._words)
                value = self._phrase_valence(words) if words else 0.0
                if len(self._hashtags) < HASHTAG_CACHE:
                    self._hashtags[tag] = value
            if value:
                extra.append((VAL, value, i + 1, i + 2))
        return sorted(hits + extra, key=lambda h: h[2]) if extra else hits

    def _phrase_valence(self, words: tuple[str, ...]) -> float:
        """Valence of the words of one hashtag (see :meth:`_with_hashtags`)."""
        total, negated = 0.0, False
        for j, word in enumerate(words):
            if word in self._negators:
                negated = True
                if word == "never" and "again" in words[j + 1:]:
                    return AGAIN_VALENCE
                continue
            v = self._words.get(word, 0.0)
            if v:
                total += v * N_SCALAR if negated else v
                negated = False
        return round(total, 3)

    def _in_context(self, doc: Doc, hits: list) -> list:
        """Resolve the context-dependent value words among ``hits`` (kind ``CTX``) into sentiment hits.

        A value word takes the valence of the attribute group it describes: the nearest
        attribute word within ``reach`` tokens in the same clause (no clause break or sentence
        end between them) — "the prices were high" and "high prices" are complaints, "high
        quality" praise, "low fees" praise, "a long queue" a complaint. With no attribute near
        it keeps its general valence (``0``: no sentiment). Negators, boosters and "too" then
        apply to it as to any sentiment word ("not that high", "way too long").
        """
        lower = doc.to_array(LOWER).tolist()
        attributes, values, reach = self._attributes, self._values, self._reach
        breaks = sorted({s for kind, _, s, _ in hits if kind in _CLAUSE_KINDS}
                        | {ss for ss, _ in doc_layout(doc)[0]})
        out = []
        for hit in hits:
            kind, default, s, e = hit
            if kind != CTX:
                out.append(hit)
                continue
            b = bisect_right(breaks, s)
            left = max(breaks[b - 1] if b else 0, s - reach)
            right = min(breaks[bisect_left(breaks, e)] if bisect_left(breaks, e) < len(breaks) else len(lower),
                        e + reach)
            groups = values[" ".join(doc[s:e].text.lower().split())] if e - s > 1 else values.get(doc[s].lower_, {})
            best = None
            for i in range(left, right):
                if s <= i < e:
                    continue
                found = attributes.get(lower[i])
                if found:
                    for g in found:
                        if g in groups:
                            dist = s - i if i < s else i - e + 1
                            if best is None or dist < best[0]:
                                best = (dist, groups[g])
            value = best[1] if best is not None else default
            if value:
                out.append((VAL, value, s, e))
        return out

    def _score_sentence(self, doc, hits, se, caps, val_hits, strong, weak) -> float:
        """Score one sentence's hits; append its valence hits and breaks to the lists.

        One pass: VADER's modifiers apply to a sentiment hit within ``window`` tokens
        and never across a break; the sentence total weights the clauses around the
        first contrast marker (``contrast_weights``).
        """
        mods: list[tuple[int, float, int]] = []  # (kind, value, end) of modifiers since the last break
        total = pre = sub_sum = 0.0  # all hits; hits before the first "but"; hits in the first "although" clause
        but_seen = sub_seen = in_sub = in_cond = clause_neg = False
        cond_weight = COND_WEIGHT
        praise_only = False  # a past counterfactual turns praise round, not complaints ("would have been useless")
        n_vals = n_excl = 0
        neg_end = -1  # end of the last negated sentiment word: "wasn't overcrowded or noisy" negates both
        window = self.window
        last = len(hits) - 1
        for idx, (kind, value, s, e) in enumerate(hits):
            if kind == STOP:
                mods.clear()
                clause_neg, neg_end = False, -1
                continue
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
            elif kind == CNEG:
                # "not once did they …": every judgement up to the clause's end; a negated subject
                # ("nobody at the branch was rude") only up to the next clause break, "and" included
                clause_neg = "subject" if doc[s].lower_ in _SUBJECT_NEGATORS else True
                continue
            elif kind == COND:
                if value and doc[s].lower_ in COUNTERFACTUAL_MODALS:
                    # "I would have liked a refund", "would have appreciated an apology": what was wanted and
                    # did not come about (rules.past_counterfactual); not "I'd have the steak again"
                    if participle_after(doc, e, se):
                        in_cond, cond_weight, praise_only = True, value, True
                    continue
                if value:  # a past state ("used to be excellent"), unless it means accustomed ("I'm used to")
                    before = [t.lower_ for t in doc[max(0, s - 2):s]]
                    negated = bool(before) and before[-1] in _PAST_NEGATORS
                    blockers = _past_state_blockers()
                    if not before or before[-1] not in blockers and not (negated and len(before) > 1
                                                                         and before[0] in blockers):
                        # "they didn't use to be rude": they are now; the negation is spent
                        in_cond, cond_weight, praise_only = True, -value if negated else value, False
                        if negated:
                            mods.clear()
                    continue
                in_cond, praise_only = True, False
                cond_weight = COUNTERFACTUAL_WEIGHT if counterfactual_if(doc, e, se) else COND_WEIGHT
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
                boosted = ()
                if mods:
                    negated = False
                    amp = 0.0
                    neg_at = 0
                    if neg_end >= 0:  # only a negation carried on through "or" reads them
                        boosted = [me for mk, _, me in mods if mk == BOOST]
                    for mk, mv, me in mods:
                        dist = s - me
                        if mk == NEG and window <= dist < window + NEG_EXTRA_REACH:
                            # "not had a single problem", "never once had an issue": determiners and
                            # "once"/"single" between the negator and the word do not count
                            dist -= sum(1 for t in doc[me:s] if t.lower_ in _NEG_TRANSPARENT)
                        if 0 <= dist < window:
                            if mk == NEG:
                                negated, neg_at = True, me
                            elif mk == SO:
                                amp = mv
                            else:
                                v += (mv if v > 0 else -mv) * _DECAY[dist]
                    if negated and negated_superlative(doc, neg_at, s, e, se):
                        negated, amp = False, NEVER_SO  # "couldn't be happier", "can't thank them enough"
                    if negated:
                        v *= N_SCALAR
                    elif amp:
                        v *= amp
                    mods.clear()
                else:
                    negated = False
                if not negated and 0 <= neg_end < s and s - neg_end <= 3 and _carries_negation(doc, neg_end, s, boosted):
                    negated = True  # "wasn't overcrowded or obnoxious": the negation goes on through "or"/"nor"
                    v *= N_SCALAR
                neg_end = e if negated else -1
                if clause_neg and not negated:
                    v *= N_SCALAR
                if caps is not None and s in caps:
                    v += C_INCR if v > 0 else -C_INCR
                if in_cond and (v > 0 or not praise_only):
                    v *= cond_weight
                val_hits.append((s, e, v))
                if e - s > 1 and (doc[e - 1].lower_ in NEGATOR_WORDS or doc[e - 1].lower_ == "even"
                                  and any(t.lower_ in NEGATOR_WORDS for t in doc[s:e - 1])):
                    # "still not" is a complaint and negates what follows: "still not ready"; so is "not even":
                    # "couldn't even enjoy the decor"
                    mods.append((NEG, 0.0, e))
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
                    if doc[s].is_punct or clause_neg == "subject":
                        clause_neg = False
                    continue
                clause_neg = False
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


#: Negators right before "used to" ("didn't use to", "never used to"): the past state is turned round once more.
_PAST_NEGATORS = frozenset(("n't", "not", "never"))
#: First words of the clause negators that negate a subject (``rules.clause_negators``: "nobody", "no one",
#: "none of"): their reach ends at the next clause break, "and" included ("no one else was waiting and I saw
#: several empty tables").
_SUBJECT_NEGATORS = frozenset(("nobody", "no", "none", "noone", "no-one"))
#: Matcher kinds that start a clause (a context-dependent value word never reaches across them).
_CLAUSE_KINDS = frozenset((BUT, SUB, STRONG, WEAK))


def _carries_negation(doc: Doc, a: int, b: int, boosted) -> bool:
    """True when the words ``doc[a:b]`` between a negated judgement and the next one carry the
    negation on: "or"/"nor" (:data:`_NEG_CARRIERS`) and otherwise only a booster or determiner of the
    next word ("wasn't overcrowded **or** noisy", "isn't the friendliest **or most** competent")."""
    carried = False
    for i in range(a, b):
        word = doc[i].lower_
        if word in _NEG_CARRIERS:
            carried = True
        elif not (word in _NEG_TRANSPARENT or word == "the" or i + 1 in boosted):
            return False
    return carried


def _lack_alone(doc: Doc, hits: list, reach: int) -> list:
    """``hits`` with each "lacks"/"lacked"/"lacking" that negates no judgement made a complaint of its own
    (:data:`LACK_VALENCE`): no sentiment word follows it within ``reach`` tokens of its sentence before a
    clause break ("the food was lacking in flavour", "staff are lacking"). One that has a judgement to
    negate stays a negator ("lacked charm", "lacking any real warmth"); "nothing lacking" is then praise."""
    out = None
    for i, (kind, _, s, e) in enumerate(hits):
        if kind != NEG or e - s != 1 or doc[s].lower_ not in _LACK:
            continue
        negates = False
        for kind2, value2, s2, _ in hits[i + 1:]:
            if s2 - e >= reach or kind2 in _CLAUSE_KINDS or any(t.is_sent_start for t in doc[e:s2 + 1]):
                break
            if kind2 == NEG or kind2 in (VAL, DUAL, TOO) and value2:  # "lacked nothing" is no complaint
                negates = True
                break
        if not negates:
            out = list(hits) if out is None else out
            out[i] = (VAL, LACK_VALENCE, s, e)
    return hits if out is None else out


def _excess_target(doc: Doc, i: int, se: int) -> bool:
    """True when token ``i`` (inside the sentence ending at ``se``) can follow an excess "too":
    a word, not a function word ("me too, and" no; "too much", "too long" yes)."""
    if i >= se:
        return False
    t = doc[i]
    return t.is_alpha and (not t.is_stop or t.lower_ in _EXCESS_STOP)


def _sum_in(val_hits, a: int, b: int) -> tuple[float, int]:
    total, count = 0.0, 0
    for s, e, v in val_hits:
        if e > a and s < b:
            total += v
            count += 1
    return total, count


def span_polarity(doc: Doc, start: int, end: int) -> float:
    """Polarity of the valence hits inside tokens ``[start, end)`` (no scoping)."""
    total, _ = _sum_in(doc._.valence or [], start, end)
    return normalize(total)
