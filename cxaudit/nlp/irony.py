"""Irony and courtesy in complaints: sarcastic praise, irony markers and hashtags, thanks before a contrast.

Part of the sentence scorer (:class:`cxaudit.nlp.sentiment.SentimentScorer` calls these on each sentence's
lexicon hits): "Great, another delay", "love spending my Saturday on hold", "thanks for losing my bag",
"🙃", "#not", and "Many thanks for your reply, but …" (docs/language.md, "Sentiment").
"""

from __future__ import annotations

from functools import lru_cache

from spacy.strings import hash_string
from spacy.tokens import Doc

from .._lookups import lemma_table
from .lexicon import BUT, CNEG, DUAL, NEG, SUB, VAL

__all__ = ["IRONY_MARKERS", "IRONY_ORTH", "IRONY_HASHTAGS", "HASH_ORTH", "HASHTAG_MAX", "HASHTAG_CACHE",
           "segment_hashtag", "ironic_hashtag", "unmask_sarcasm", "ironic_coda", "exasperated", "EXASPERATION_VALENCE"]


#: Praise openers that sarcasm uses before a bad situation ("Fantastic, the 7:42 cancelled again").
_OPENERS_PUNCT = frozenset((",", "!", ".", "...", "…", "-", "—", ":"))
#: "love/loving/enjoying + gerund" ("love spending my Saturday on hold").
_LOVE = frozenset(("love", "loving", "loved", "enjoy", "enjoying", "adore", "adoring"))
#: Past and third-person forms: ironic only when what follows right after is itself a complaint (the
#: gerund rule above would read "we enjoyed sitting outside, but the waiter was rude" as irony).
_LOVED = frozenset(("loved", "enjoyed", "loves", "enjoys", "adored", "relished"))
_THANKS = frozenset(("thanks", "thank", "thx", "ty", "cheers"))


#: Markers that make a whole sentence ironic: upside-down face, rolling eyes, unamused face, "/s".
IRONY_MARKERS = ("\U0001F643", "\U0001F644", "\U0001F612", "/s")
IRONY_ORTH = frozenset(hash_string(m) for m in IRONY_MARKERS)
#: Hashtags that mark a text as ironic, like the markers above ("thanks for the great service #not").
IRONY_HASHTAGS = frozenset(("not", "sarcasm", "sarcastic", "irony", "ironic", "notreally", "yeahright"))
HASH_ORTH = hash_string("#")
#: The longest hashtag (characters) that is split into words; longer ones are left alone.
HASHTAG_MAX = 40
#: How many hashtags' valences one scorer remembers.
HASHTAG_CACHE = 100_000


def ironic_hashtag(doc: Doc, ss: int, se: int) -> bool:
    """True when the tokens ``[ss, se)`` hold an irony hashtag ("#not", "#sarcasm")."""
    return any(doc[i].orth == HASH_ORTH and not doc[i].whitespace_ and doc[i + 1].lower_ in IRONY_HASHTAGS
               for i in range(ss, min(se, len(doc) - 1)))


#: Short and closed-class words a hashtag may contain ("#loveit", "#neveragain", "#worstairlineever"):
#: the lookup table holds inflected forms and lemmas, not these.
_FUNCTION_WORDS = frozenset((
    "a", "i", "it", "is", "me", "my", "no", "so", "up", "us", "we", "on", "in", "at", "of", "to", "do", "go", "be",
    "an", "or", "by", "ok", "am", "he", "she", "you", "your", "our", "the", "this", "that", "its", "not", "never",
    "ever", "again", "very", "too", "all", "any", "more", "most", "less", "just", "now", "today", "here", "there",
    "what", "why", "how", "who", "when", "for", "from", "with", "and", "but", "them", "they", "their", "his",
    "her", "out", "off", "yet", "still", "only", "much", "many", "some", "one", "ever", "nothing", "thanks"))


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """English words for splitting hashtags: the forms and lemmas of spaCy's bundled lookup table."""
    table = lemma_table()
    return frozenset(w for w in (*table.keys(), *table.values()) if w.isalpha() and w.islower())


def segment_hashtag(tag: str, lexicon: dict[str, float]) -> tuple[str, ...]:
    """The words of a hashtag without spaces ("epicfail" → ("epic", "fail")), or ``()`` when it
    cannot be split wholly into English words (the bundled lemma table's words and ``lexicon``'s)
    or is longer than :data:`HASHTAG_MAX` characters. Fewest words win (on ties the first split
    found, scanning from the left); words of one or two letters only from :data:`_FUNCTION_WORDS`
    (the lookup table also holds abbreviations such as "er" and "ev")."""
    tag = tag.lower()
    if not tag.isalpha() or len(tag) > HASHTAG_MAX:
        return ()
    vocab = _vocabulary()
    n = len(tag)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(1, n + 1):
        for j in range(max(0, i - 20), i):
            prefix = best[j]
            if prefix is None or best[i] is not None and len(best[i]) <= len(prefix) + 1:
                continue
            word = tag[j:i]
            if (word in _FUNCTION_WORDS or len(word) > 2 and (word in vocab or word in lexicon)):
                best[i] = prefix + (word,)
    return best[n] or ()


#: Thanks and praise that are courtesy when a contrast follows ("Many thanks for your reply, but…").
#: The words of a praise formula that, alone after a complaint, is ironic (:func:`ironic_coda`).
_CODA_WORDS = frozenset(("love", "loving", "it", "great", "brilliant", "perfect", "fantastic", "lovely", "wonderful",
                         "superb", "marvellous", "marvelous", "excellent", "nice", "one", "well", "done", "just",
                         "thanks", "thank", "you", "cheers", "a", "lot", "so", "oh", "wow", "amazing", "awesome",
                         "splendid", "terrific", "what", "service", "job", "stuff", "really", "very", "classy",
                         "top", "notch", "impressive", "genius", "bravo", "yay", "hooray", "ah"))
_COURTESY = frozenset(("thanks", "thank", "thx", "appreciate", "appreciated", "grateful", "cheers"))


#: How far back (tokens) a negator makes a complaint word no complaint for the sarcasm test ("Excellent, not
#: a single issue"): the scorer's window (3) and its reach across "a", "single", "once" … (3).
NEGATED_REACH = 6
#: "Who thought/decided … was a good idea?" criticises what it names: the praise of the idea is ironic.
_WHO = frozenset(("who", "whoever"))
_WHO_THOUGHT = frozenset(("thought", "decided", "figured", "imagined", "reckoned"))
_IDEA = frozenset(("idea", "ideas", "plan", "move"))
_COPULA = frozenset(("was", "is", "'s", "’s", "be", "were", "are"))


def _who_thought_idea(doc: Doc, ss: int, se: int) -> int | None:
    """The token index of "idea" in a sentence that opens "who/whoever thought/decided …" and calls something a
    good idea in a question or after "was/is" ("who thought a two-carriage train at rush hour was a good idea??"),
    else None ("whoever thought of it had a brilliant idea" is no question)."""
    i = ss
    while i < se and not doc[i].is_alpha:
        i += 1
    if i + 1 >= se or doc[i].lower_ not in _WHO or doc[i + 1].lower_ not in _WHO_THOUGHT:
        return None
    j = next((j for j in range(i + 2, se) if doc[j].lower_ in _IDEA), None)
    if j is None:
        return None
    question = any(t.text.startswith("?") for t in doc[j:se])
    copula = any(t.lower_ in _COPULA for t in doc[max(i + 2, j - 4):j])
    return j if question or copula else None


def _negated(doc: Doc, hits: list, j: int) -> bool:
    """True when hit ``j`` (a complaint word) is negated: a negator hit stands at most
    :data:`NEGATED_REACH` tokens before it with only sentiment and booster hits between ("no hassle",
    "never had a problem"), or a clause negator earlier in the sentence ("not once …")."""
    start = hits[j][2]
    for k in range(j - 1, -1, -1):
        kind, _, a, b = hits[k]
        if kind == CNEG:
            return True
        if kind == NEG:
            return start - b < NEGATED_REACH and not any(t.is_punct for t in doc[b:start])
        if kind != VAL and kind != DUAL:
            return False  # a clause break, a contrast or another modifier: the negation stops there
    return False


def unmask_sarcasm(doc: Doc, hits: list, ss: int, se: int, ironic_doc: bool = True) -> list:
    """The sentence's hits with sarcastic praise turned negative and courtesy before a contrast dropped.

    Sarcasm in complaints is praise followed by a bad situation (Riloff et al. 2013). Three
    shapes are recognised, each only when a negative hit follows in the same sentence:
    a praise word opening the sentence and followed by punctuation ("Great, another
    delay"; "Oh brilliant! The app is down again"), "love/enjoy + a gerund" ("love spending
    my Saturday on hold") — in these two every praise word after the opener is ironic too
    ("Fantastic, cancelled yet again, what a reliable service") — and "thanks for + a negative
    gerund" ("thanks for losing my bag"); and the praise of an idea in "who thought/decided … was a good
    idea(?)", a rhetorical question whatever it names. A negated complaint word is none ("Excellent, not a single
    issue", "Brilliant, never had a problem" are praise). An irony marker (🙃 🙄 😒 "/s") makes all the
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
    if ironic_doc and (any(t.orth in IRONY_ORTH for t in doc[ss:se]) or ironic_hashtag(doc, ss, se)):
        return [(k, -v, a, b) if (k == VAL or k == DUAL) and v > 0 else (k, v, a, b) for k, v, a, b in out]
    idea = _who_thought_idea(doc, ss, se) if any(k == VAL and v > 0 for k, v, _, _ in out) else None
    if idea is not None:  # "who thought … was a **good** idea": the praise of the idea is ironic
        out = [(k, -v, a, b) if k == VAL and v > 0 and b <= idea + 1 else (k, v, a, b) for k, v, a, b in out]
    if len(out) < 2:
        return out
    neg_after = [False] * len(out)
    seen = False
    for j in range(len(out) - 1, -1, -1):
        neg_after[j] = seen
        kind, value = out[j][0], out[j][1]
        if (kind == VAL or kind == DUAL) and value < 0 and not _negated(doc, out, j):
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
        elif first in _LOVED and any(h[2] == e and h[1] < 0 and (h[0] == VAL or h[0] == DUAL) for h in out[j + 1:]):
            # "really **enjoyed** waiting 50 mins for a cold burger": what was enjoyed is itself a complaint
            out[j] = (kind, -value, s, e)
            ironic = True
        elif first in _THANKS:
            k = e + (1 if e < se and doc[e].lower_ == "you" else 0)
            if k + 1 < se and doc[k].lower_ == "for" and doc[k + 1].lower_.endswith("ing"):
                nxt = next((h for h in out[j + 1:] if h[2] == k + 1), None)
                if nxt is not None and nxt[1] < 0:
                    out[j] = (kind, -value, s, e)
    return out


def ironic_coda(doc: Doc, ss: int, se: int, n_alpha: int) -> bool:
    """True when the sentence ``doc[ss:se]`` is nothing but a short praise formula ("Love it.",
    "Great.", "Brilliant, just brilliant.", "Thanks a lot!"): after a complaint it is ironic
    (the sentence before it scores negative; see ``ClauseScorer``'s caller)."""
    if not 0 < n_alpha <= 4:
        return False
    return all(t.lower_ in _CODA_WORDS for t in doc[ss:se] if t.is_alpha)


#: Exasperation said in one word, a sentence of its own: "**Typical.**", "How typical!" (session 22, from the
#: follow-up development set: "The receptionist told me to ring back at eight tomorrow. Typical."); alone,
#: "typical" is no judgement ("typical Italian food"). Such a sentence scores as one hit of this valence.
EXASPERATION_VALENCE = -1.5
_EXASPERATION_WORDS = frozenset(("typical",))
_EXASPERATION_OPENERS = frozenset(("how", "so", "just", "oh", "bloody"))


def exasperated(doc: Doc, ss: int, se: int) -> bool:
    """True when the sentence ``doc[ss:se]`` is an exasperation word alone (with at most one opener)."""
    words = [t.lower_ for t in doc[ss:se] if t.is_alpha]
    return bool(words) and words[-1] in _EXASPERATION_WORDS and (len(words) == 1 or words[0] in _EXASPERATION_OPENERS)
