"""Shared machinery of cxaudit's spaCy components: lexicon files, inflected
forms, phrase matchers and match filtering.

Every cxaudit component matches its cues with one :class:`spacy.matcher.PhraseMatcher`
on the ``LOWER`` attribute, which is nearly free (NOTES.md: ~18 M words/s), and then
does Python work only for the tokens that matched. "Matched by lemma" is obtained by
expanding each listed word to its inflected forms once, when the component is
initialised (:func:`inflections`), instead of lemmatising every token at run time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from itertools import product
from typing import Iterable

import yaml
import numpy as np
from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, IS_UPPER, LOWER, SENT_START
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.vocab import Vocab
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer

from .._lookups import lemma_table
from ..errors import CxauditError
from ..yamlutil import parse_plain_yaml
from .spelling import MIN_LENGTH, Speller

__all__ = [
    "LexiconError",
    "load_lexicon",
    "inflections",
    "expand_phrase",
    "build_matcher",
    "phrase_tokens",
    "pattern_docs",
    "longest_first",
    "sentence_bounds",
    "doc_layout",
    "doc_words",
    "ext_key",
    "sentiment_entries",
    "sentiment_key",
    "attribute_values",
    "intent_phrases",
    "slot_phrases",
    "ElongationFolder",
    "fold_elongations",
]

# Kinds of the cx_sentiment matcher's entries (see cxaudit.nlp.sentiment): a sentiment word or
# phrase, negator, booster, "but"-type contrast, "although"-type contrast, strong and weak clause
# break, "!", excess "too", "never so", degree word with its own valence, conditional "if",
# negated repeat "again", context-dependent value word ("high" prices, "long" queue: ``rules.attribute_values``),
# clause negator ("not once", "at no point": ``rules.clause_negators``).
VAL, NEG, BOOST, BUT, SUB, STRONG, WEAK, EXCL, TOO, SO, DUAL, COND, AGAIN, CTX, CNEG = range(15)
#: Valence of a negated repeat ("I will never go there again").
AGAIN_VALENCE = -1.5

# Irregular forms the lookup table does not give under a shared first letter.
_IRREGULAR = {
    "go": ("went", "gone", "goes", "going"),
    "be": ("is", "are", "am", "was", "were", "been", "being", "'s", "'re", "'m"),
}
_MAX_VARIANTS = 64


class LexiconError(CxauditError, ValueError):
    """A lexicon file is missing or does not have the expected structure."""


def load_lexicon(name: str) -> dict:
    """Read ``cxaudit/lexicons/<name>`` (YAML) and return its mapping.

    Raises :class:`LexiconError` naming the file when it is absent, not a mapping, or writes a key twice in
    one mapping (the line of both: YAML would keep the second value silently).
    """
    try:
        text = resources.files("cxaudit.lexicons").joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise LexiconError(f"lexicon file cxaudit/lexicons/{name} not found") from err
    try:
        data = parse_plain_yaml(text)  # libyaml's safe loader where PyYAML was built with it
    except yaml.YAMLError as err:
        raise LexiconError(f"cxaudit/lexicons/{name}: not valid YAML ({err})") from err
    if not isinstance(data, dict):
        raise LexiconError(f"cxaudit/lexicons/{name}: expected a mapping at top level, found {type(data).__name__}")
    return data


@lru_cache(maxsize=1)
def sentiment_rules() -> dict:
    """``rules`` of ``cx_sentiment.yml``, parsed once per process (read-only: the rule functions of
    :mod:`cxaudit.nlp.sentiment` and :mod:`cxaudit.nlp.scope_rules` share it). Each of them used to parse
    the 1,600-line file on its first call, four parses (~0.3 s) in every process that analyses."""
    return load_lexicon("cx_sentiment.yml").get("rules") or {}


@lru_cache(maxsize=1)
def _inverse_lemma_table() -> dict[str, tuple[str, ...]]:
    """lemma -> surface forms, from spaCy's English lookup table (bundled: :mod:`cxaudit._lookups`)."""
    table = lemma_table()
    inverse: dict[str, list[str]] = {}
    for form, lemma in table.items():
        if form.isalpha() and form.islower() and form[0] == lemma[:1] and len(form) > 2:
            inverse.setdefault(lemma, []).append(form)
    return {k: tuple(sorted(v)) for k, v in inverse.items()}


def inflections(word: str) -> tuple[str, ...]:
    """``word`` and every lower-case form whose lookup lemma is ``word``.

    >>> inflections("call")
    ('call', 'called', 'calling', 'calls')
    """
    word = word.lower()
    forms = _inverse_lemma_table().get(word, ()) + _IRREGULAR.get(word, ())
    return (word,) + tuple(f for f in forms if f != word)


def expand_phrase(tokens: list[str]) -> list[str]:
    """All variants of a tokenised phrase with each word in each inflected form.

    Takes the lower-cased tokens of one phrase and returns space-joined variants,
    the original first; capped at 64 variants (extra ones are dropped).
    """
    options = [inflections(t) if t.isalpha() else (t,) for t in tokens]
    out = []
    for combo in product(*options):
        out.append(" ".join(combo))
        if len(out) >= _MAX_VARIANTS:
            break
    return out


def phrase_tokens(nlp, phrase: str) -> list[str]:
    """The tokens of a lexicon phrase written "as spaCy tokenises it" (space-separated).

    Each space-separated piece is tokenised again (so "hassle-free" gives three
    tokens, as in running text), except pieces that start with an apostrophe
    ("'ve", "'m"), which spaCy keeps whole after a word but splits when alone.
    """
    words: list[str] = []
    for piece in phrase.split():
        if piece[0] in "'’" and len(piece) > 1:
            words.append(piece)
        else:
            words.extend(t.text for t in nlp.tokenizer(piece))
    return words


def pattern_docs(nlp, texts: Iterable[str]) -> list[Doc]:
    """The Docs of LOWER phrase patterns, tokenised as running text would be in any case: spaCy's
    English tokenizer splits some lower-case words as contractions ("id" → "i" "d", "wed" → "we" "d",
    "hes" → "he" "s") but not their capitalised forms, so "face id login" never matched "Face ID
    login" (found session 21: a guard of the website code that never fired). A pattern whose tokens
    differ in upper case is added both ways (a PhraseMatcher on LOWER reads the same words)."""
    texts = list(texts)
    docs = list(nlp.tokenizer.pipe(texts))
    special = nlp.tokenizer.rules or {}
    split = [i for i, t in enumerate(texts) if any(w in special and w.upper() not in special for w in t.split())]
    for i, d in zip(split, nlp.tokenizer.pipe(texts[i].upper() for i in split)):
        if [t.lower_ for t in d] != [t.lower_ for t in docs[i]]:
            docs.append(d)
    return docs


def build_matcher(nlp, entries: Iterable[tuple[str, str]], *, inflect: bool = False) -> PhraseMatcher:
    """A LOWER PhraseMatcher from ``(key, phrase)`` pairs.

    Phrases are tokenised with ``nlp``'s tokenizer; with ``inflect=True`` every
    word of a phrase is also matched in its inflected forms (:func:`expand_phrase`).
    """
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_key: dict[str, dict[str, None]] = {}
    for key, phrase in entries:
        if not isinstance(phrase, str):
            raise LexiconError(f"lexicon entry {phrase!r} under {key!r} is not text; YAML reads yes/no/on/off/true/false "
                               f"and numbers as other types: quote it")
        phrase = phrase.strip().lower()
        if not phrase:
            continue
        tokens = phrase_tokens(nlp, phrase)
        variants = expand_phrase(tokens) if inflect else [" ".join(tokens)]
        bucket = by_key.setdefault(key, {})
        for v in variants:
            bucket[v] = None
    for key, phrases in by_key.items():
        matcher.add(key, [Doc(nlp.vocab, words=p.split(" ")) for p in phrases])
    return matcher


def longest_first(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Non-overlapping matches, longer ones preferred, returned in text order.

    ``matches`` are ``(match_id, start, end)`` triples as a PhraseMatcher returns them;
    ties in length go to the earlier match.
    """
    if len(matches) < 2:
        return list(matches)
    prev_end = -1
    for m in matches:  # fast path: already in order and disjoint (the common case)
        if m[1] < prev_end:
            break
        prev_end = m[2]
    else:
        return list(matches)
    taken: set[int] = set()
    kept = []
    for m in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
        rng = range(m[1], m[2])
        if any(i in taken for i in rng):
            continue
        taken.update(rng)
        kept.append(m)
    kept.sort(key=lambda m: m[1])
    return kept


def intent_phrases(spec: dict | None) -> dict[str, float]:
    """``{phrase: valence}`` for the ``return_intent`` rule: the customer's intention to come back
    (or never to), said in any of the usual ways — an intent cue ("will", "'d", "plan to", "can't
    wait to"), at most one adverb ("definitely", "surely"), a verb of returning ("go back", "be
    back", "visit again", "stop by again"); or a habit ("keep coming back", "been going back").
    Negated cues ("won't", "would never") give ``negative``; an adverb adds ``adverb_boost`` to
    the magnitude. Phrases are tokenised
    the way spaCy's English tokenizer splits them ("won't" → "wo n't")."""
    if not spec:
        return {}
    pos, neg, boost = float(spec.get("positive", 1.8)), float(spec.get("negative", -2.0)), float(spec.get("adverb_boost", 0.4))
    adverbs = [""] + [str(a).lower() for a in spec.get("adverbs") or []]
    out: dict[str, float] = {}
    for cues, verb_key, value in ((spec.get("intent"), "verbs", pos), (spec.get("negated"), "verbs", neg),
                                  (spec.get("habitual"), "habitual_verbs", pos)):
        verbs = [str(v).lower() for v in spec.get(verb_key) or []]
        for cue in (str(c).lower() for c in cues or []):
            for adverb in adverbs:
                v = value + (boost if value > 0 else -boost) * bool(adverb)
                for verb in verbs:
                    out[" ".join(f"{cue} {adverb} {verb}".split())] = max(-4.0, min(4.0, v))
    return out


def slot_phrases(grammars: list | None) -> dict[str, float]:
    """``{phrase: valence}`` for the ``slot_phrases`` rule: each grammar's ``slots`` is a list of
    word lists, and every phrase that takes one item from each slot in order (``""`` = skip the
    slot) gets the grammar's ``valence`` — "not what we had hoped for", "exactly what I needed"."""
    out: dict[str, float] = {}
    for g in grammars or []:
        value = float(g["valence"])
        for words in product(*([str(w).lower() for w in slot] for slot in g["slots"])):
            out[" ".join(" ".join(words).split())] = value
    return out


_LONG_RUN = re.compile(r"([^\W\d_])\1{2,}")


class ElongationFolder:
    """The ``LOWER`` attribute getter of a vocabulary that folds elongated words ("loooove",
    "sooo slooow", "amaaazing") into their plain lower-case form, and misspelt sentiment words
    ("consistant", "impecible": :class:`cxaudit.nlp.spelling.Speller`) into the word they misspell,
    so every LOWER matcher (the sentiment lexicon, the codebooks) reads them as the word they stand for. A run of three or more
    equal letters is shortened to two when that makes a ``known`` (sentiment) word ("goooood" →
    "good"), else to one ("loooove" → "love") — unless only two makes an English word of spaCy's
    lookup table ("appp" → "app", "stafff" → "staff"). No English word has three equal letters in a row, so
    nothing else changes; the getter runs once per new word of the vocabulary, not per token."""

    def __init__(self, known: Iterable[str]):
        self.known = frozenset(known)
        self._speller: Speller | None = None

    def __call__(self, text: str) -> str:
        lower = text.lower()
        if not _LONG_RUN.search(lower) or not lower.isalpha():  # "10000", "www.example.com" stay
            if len(lower) >= MIN_LENGTH and lower.isalpha() and lower not in self.known:
                # a misspelt sentiment word reads as the word: "consistant", "impecible" (cxaudit.nlp.spelling)
                if self._speller is None:
                    self._speller = Speller(self.known, _english_words() | STOP_WORDS)
                return self._speller.respell(lower) or lower
            return lower
        two = _LONG_RUN.sub(r"\1\1", lower)
        if two in self.known:
            return two
        one = _LONG_RUN.sub(r"\1", lower)
        if one in self.known:
            return one
        words = _english_words()
        return two if two in words and one not in words else one

    def __reduce__(self):
        return (ElongationFolder, (sorted(self.known),))


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """Every form and lemma of spaCy's English lookup table (bundled): "app", "staff", "cool" …"""
    table = lemma_table()
    return frozenset(table) | frozenset(table.values())


def fold_elongations(vocab, known: Iterable[str]) -> None:
    """Install :class:`ElongationFolder` as ``vocab``'s LOWER getter (words added to the vocabulary
    from now on; the lexemes already there are plain words)."""
    vocab.lex_attr_getters[LOWER] = ElongationFolder(known)


def sentiment_key(kind: int, value: float) -> str:
    """The string id of the cx_sentiment matcher's entries of one kind and valence (:func:`sentiment_entries`;
    the ``durations`` rule's matches carry one too)."""
    return f"cx_sent:{kind}:{value:.3f}"


def sentiment_entries(config_words: dict | None = None, weak_breaks: list | None = None,
                     inflect: bool = False) -> tuple[list, dict]:
    """The ``cx_sentiment`` matcher's ``(key, phrase)`` pairs and its ``key -> (kind, value)`` table.

    Reads VADER's lexicon, emoji and booster/negator lists and ``cx_sentiment.yml``
    (``overrides``, ``words``, ``phrases``, ``sarcasm``, ``rules``); ``config_words``
    override valences, ``weak_breaks`` replaces the file's weak breaks, ``inflect`` adds
    inflected forms of single words. Kinds are the constants :data:`VAL` … :data:`AGAIN`.
    """
    cx = load_lexicon("cx_sentiment.yml")
    vader = SentimentIntensityAnalyzer()
    lex: dict[str, float] = {}
    for word, v in vader.lexicon.items():
        lex[word.lower()] = float(v)
    for emoji, description in vader.emojis.items():
        v = sum(vader.lexicon.get(w, 0.0) for w in description.lower().split())
        if v:
            lex[emoji] = max(-4.0, min(4.0, v))
    for section in ("overrides", "words", "phrases", "sarcasm"):
        for phrase, v in (cx.get(section) or {}).items():
            if not isinstance(phrase, str) or isinstance(v, bool) or not isinstance(v, (int, float)):
                raise LexiconError(f"cxaudit/lexicons/cx_sentiment.yml, {section}: expected 'phrase: valence', found "
                                   f"{phrase!r}: {v!r} (quote yes/no/on/off keys)")
            lex[phrase.lower()] = float(v)
    if inflect:
        for word, v in list(lex.items()):
            if word.isalpha():
                for form in inflections(word)[1:]:
                    lex.setdefault(form, v)
    for phrase, v in (config_words or {}).items():
        lex[str(phrase).lower()] = float(v)
    rules = cx.get("rules") or {}
    table: dict[str, tuple[int, float]] = {}
    entries: list[tuple[str, str]] = []

    def add(kind: int, value: float, phrase: str) -> None:
        key = sentiment_key(kind, value)
        table[key] = (kind, value)
        entries.append((key, phrase))

    boosters = {k.lower(): v for k, v in BOOSTER_DICT.items()}
    boosters.update({str(k).lower(): float(v) for k, v in (rules.get("boosters") or {}).items()})
    negators = {w.lower() for w in NEGATE if "'" not in w} | {str(w).lower() for w in rules.get("negators") or []}
    negators.discard("despite")
    structural = set()
    for w, b in (rules.get("excess") or {}).items():
        add(TOO, float(b), str(w).lower()), structural.add(str(w).lower())
    for w in rules.get("conditional") or []:
        add(COND, 0.0, str(w).lower()), structural.add(str(w).lower())
    advice = rules.get("recommendation") or {}
    for w in advice.get("phrases") or []:  # kept only where it opens a sentence (SentimentScorer)
        add(VAL, float(advice.get("valence", 0.0)), str(w).lower()), structural.add(str(w).lower())
    # conditions with their own weight: "used to be excellent", "would have liked" (past_counterfactual)
    for name in ("past_state", "past_counterfactual"):
        past = rules.get(name) or {}
        for w in past.get("phrases") or []:
            add(COND, float(past.get("weight", 0.0)), str(w).lower()), structural.add(str(w).lower())
    for w in rules.get("degree_words") or []:
        w = str(w).lower()
        if lex.get(w):
            add(DUAL, round(lex[w], 3), w), structural.add(w)
    for w in rules.get("clause_negators") or []:
        add(CNEG, 0.0, str(w).lower()), structural.add(str(w).lower())
    for w in rules.get("negated_repeat") or []:
        add(AGAIN, AGAIN_VALENCE, str(w).lower()), structural.add(str(w).lower())
    for w in rules.get("never_so") or []:
        w = str(w).lower()
        add(SO, boosters.pop(w, 0.0), w), structural.add(w)
    # rules.durations is a token Matcher of its own (cxaudit.nlp.durations), not phrases
    for phrase, v in intent_phrases(rules.get("return_intent")).items():
        lex.setdefault(phrase, v)
    for phrase, v in slot_phrases(rules.get("slot_phrases")).items():
        lex.setdefault(phrase, v)
    for w in attribute_values(rules)[0]:
        # its valence depends on the attribute it describes; ``lex``'s value is the default
        add(CTX, round(lex.get(w, 0.0), 3), w), structural.add(w)
    for w in rules.get("contrast_after") or []:
        add(BUT, 0.0, w), structural.add(w)
    for w in rules.get("contrast_sub") or []:
        add(SUB, 0.0, w), structural.add(w)
    for w in rules.get("strong_breaks") or []:
        add(STRONG, 0.0, w), structural.add(w)
    for w in (rules.get("weak_breaks") or []) if weak_breaks is None else weak_breaks:
        add(WEAK, 0.0, w), structural.add(w)
    add(EXCL, 0.0, "!")
    for w in negators - structural:
        if w not in lex or lex[w] == 0.0:
            add(NEG, 1.0 if w == "never" else 0.0, w)
    for w, b in boosters.items():
        if w not in negators and w not in structural and lex.get(w, 0.0) == 0.0:
            add(BOOST, b, w)
    for w, v in lex.items():
        if w not in structural and (v != 0.0 or " " in w or w in negators or w in boosters):
            if v == 0.0 and (w in negators or w in boosters):
                continue  # a word neutralised in the lexicon keeps its negator/booster role
            add(VAL, round(v, 3), w)
    return entries, table


def attribute_values(rules: dict) -> tuple[dict[str, dict[str, float]], dict[str, frozenset[str]], int]:
    """Context-dependent value words from ``cx_sentiment.yml``'s ``rules.attribute_values``.

    Returns ``(values, attributes, reach)``: ``values`` maps a value word or phrase (lower case)
    to ``{group: valence}``; ``attributes`` maps an attribute word (lower case, with its
    inflected forms) to the groups it belongs to; ``reach`` is how many tokens away (within the
    clause) the attribute may be. Raises :class:`LexiconError` on a malformed section.
    """
    spec = rules.get("attribute_values") or {}
    where = "cxaudit/lexicons/cx_sentiment.yml, rules.attribute_values"
    if not isinstance(spec, dict):
        raise LexiconError(f"{where}: expected a mapping")
    values: dict[str, dict[str, float]] = {}
    attributes: dict[str, set[str]] = {}
    for group, body in (spec.get("groups") or {}).items():
        if not isinstance(body, dict) or not isinstance(body.get("values"), dict) or not body.get("attributes"):
            raise LexiconError(f"{where}.groups.{group}: expected 'attributes: [words]' and 'values: {{word: valence}}'")
        for word, v in body["values"].items():
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise LexiconError(f"{where}.groups.{group}.values: expected 'word: valence', found {word!r}: {v!r}")
            values.setdefault(str(word).lower(), {})[str(group)] = float(v)
        for word in body["attributes"]:
            word = str(word).lower()
            for form in (inflections(word) if word.isalpha() else (word,)):
                attributes.setdefault(form, set()).add(str(group))
    return values, {w: frozenset(g) for w, g in attributes.items()}, int(spec.get("reach", 4))


def ext_key(name: str) -> tuple:
    """The ``doc.user_data`` key where spaCy stores the Doc extension ``name``.

    cxaudit's components read and write their Doc extensions through this key
    because ``doc._`` builds an object on every access (measurably slow at
    millions of Docs); ``doc._.name`` still returns the same value.
    """
    return ("._.", name, None, None)


_LAYOUT_KEY = ext_key("cx_sents")


def doc_layout(doc: Doc) -> tuple[list[tuple[int, int]], list[int], list[int], list[int], set[int]]:
    """Sentences of ``doc`` and what cxaudit needs to know about them, computed once per Doc.

    Returns ``(bounds, n_alpha, n_words, n_upper, upper)``: ``bounds`` the token
    ``(start, end)`` of each sentence (one sentence when ``doc`` has no sentence
    boundaries); per sentence, the number of alphabetic tokens, of word tokens
    (neither punctuation nor space) and of upper-case tokens; ``upper`` the indices
    of upper-case tokens.
    """
    user_data = doc.user_data
    cached = user_data.get(_LAYOUT_KEY)
    if cached is not None:
        return cached
    n = len(doc)
    if n == 0:
        cached = ([], [], [], [], set())
    else:
        arr = doc.to_array([SENT_START, IS_ALPHA, IS_PUNCT, IS_SPACE, IS_UPPER])
        starts = np.flatnonzero(arr[:, 0] == 1)
        if len(starts) == 0 or starts[0] != 0:
            starts = np.concatenate(([0], starts))
        sums = np.add.reduceat(arr[:, 1:].astype(np.int64), starts, axis=0)
        starts_l = starts.tolist()
        bounds = list(zip(starts_l, starts_l[1:] + [n]))
        lengths = [e - s for s, e in bounds]
        n_alpha, n_punct, n_space, n_upper = sums.T.tolist()
        n_words = [ln - p - sp for ln, p, sp in zip(lengths, n_punct, n_space)]
        upper = set(np.flatnonzero(arr[:, 4]).tolist()) if any(n_upper) else set()
        cached = (bounds, n_alpha, n_words, n_upper, upper)
    user_data[_LAYOUT_KEY] = cached
    return cached


_WORDS_KEY = ext_key("cx_words")


def doc_words(doc: Doc) -> tuple[list[str], list[bool], list[bool], list[bool]]:
    """``(lower, alpha, punct, sent_start)`` of every token of ``doc`` as plain lists, computed once per Doc.

    ``lower[i]`` is ``doc[i].lower_``, ``alpha[i]`` ``doc[i].is_alpha``, ``punct[i]`` ``doc[i].is_punct``,
    ``sent_start[i]`` ``doc[i].is_sent_start is True``. Rules that read many tokens one by one read these
    lists instead: ``doc[i]`` makes a Token object on every access (3 million per 20,000 comments before
    session 28, about a tenth of the tagging time).
    """
    user_data = doc.user_data
    cached = user_data.get(_WORDS_KEY)
    if cached is not None:
        return cached
    if len(doc) == 0:
        cached = ([], [], [], [])
    else:
        strings = doc.vocab.strings
        lower_h, alpha, punct, start = doc.to_array([LOWER, IS_ALPHA, IS_PUNCT, SENT_START]).T.tolist()
        cached = ([strings[h] for h in lower_h], [a == 1 for a in alpha], [p == 1 for p in punct],
                  [x == 1 for x in start])
    user_data[_WORDS_KEY] = cached
    return cached


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Token ``(start, end)`` of each sentence of ``doc`` (see :func:`doc_layout`)."""
    return doc_layout(doc)[0]


if not Doc.has_extension("cx_sents"):
    Doc.set_extension("cx_sents", default=None)
if not Doc.has_extension("cx_words"):
    Doc.set_extension("cx_words", default=None)


def _check_ext_key() -> None:
    """Fail loudly at import if spaCy ever stores Doc extensions elsewhere."""
    doc = Doc(Vocab(), words=["x"])
    doc._.cx_sents = "probe"
    if doc.user_data.get(_LAYOUT_KEY) != "probe":  # pragma: no cover - spaCy internals changed
        raise ImportError("cxaudit.nlp: spaCy no longer stores Doc extensions in user_data; update lexicon.ext_key")


_check_ext_key()
