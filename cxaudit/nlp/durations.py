"""Long durations are late service: the ``durations`` rule of ``cx_sentiment.yml``, as token patterns.

"it **took six weeks** to get my money back", "**waited 40 minutes**", "**on hold for 50 minutes**",
"**took weeks**", "only four **months to process** a claim": a verb, a number of at least the unit's
minimum, a unit (or a plural unit alone); or a long unit before "to" and what the service had to do.
Session 24: units written short ("waited 50 **mins**", "on hold for 2 **hrs**") or glued to the number
("**40mins**"), a word between number and unit ("takes three **working** days", "two **long** hours"),
and a long wait said as a noun ("a **45 minute wait**", "a 3-hour **delay**", "**2hr queue**").

Until session 22 the rule was written out as phrases for the sentiment PhraseMatcher, every verb ×
number × unit form (38,120 of them), and every phrase was paid for again each time a pipeline was
unpickled (the PhraseMatcher re-adds its patterns): what every worker and every rerun's fork server
does first. Here the rule is read around the unit words of a Doc (:class:`DurationRule`): the pickled
pipeline went from 9.0 to 7.4 MB and unpickling it from 0.49 to 0.39 s, with the same sentence scores
on 8,719 texts. :func:`duration_phrases` writes the same rule out as phrases; a test checks that both
read the same spans.
"""

from __future__ import annotations

from spacy.attrs import LOWER
from spacy.strings import hash_string
from spacy.tokens import Doc

NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
#: the largest figure the rule reads ("waited 120 minutes"; "took 2024 days" is a date, not a wait)
MAX_FIGURE = 120
#: Words that may stand between the verb and the number (session 22, found on a blind sample of tags): the
#: one kept waiting and hedges of the amount — not "only", "just", "under", "less", which make it short.
GAP_WORDS = frozenset(("me", "us", "them", "him", "her", "you", "over", "almost", "nearly", "about", "around",
                       "roughly", "another", "further", "well", "literally", "easily", "at", "least", "like"))
MAX_GAP = 3


def _tokens(text: str) -> list[str]:
    return str(text).lower().split()


def _number(word: str) -> int | None:
    """The value of a number word, a figure without leading zeros (up to :data:`MAX_FIGURE`) or "a"/"an"."""
    if word in ("a", "an"):
        return 1
    if word in NUMBER_WORDS:
        return NUMBER_WORDS.index(word) + 1
    if word.isdigit() and str(int(word)) == word and int(word) <= MAX_FIGURE:
        return int(word)
    return None


class DurationRule:
    """The ``durations`` rule (``spec``: ``verbs``, ``units`` {plural unit: least number}, ``purposes``
    {``units``, ``actions``}; its ``valence`` is the caller's, in ``key``), read around each unit word of a Doc.

    :meth:`__call__` gives ``(key, start, end)`` triples like a PhraseMatcher's — every span the rule
    reads, also one inside another ("been waiting 3 hours" and "waiting 3 hours"), in text order —
    ``key`` the string id given to the constructor, so they join the sentiment matcher's own matches.

    Why not spaCy's token :class:`~spacy.matcher.Matcher`: with the rule's 66 patterns (a verb, any
    number, any unit form) it took 0.92 s on 8,719 review sentences against 0.05 s for the whole
    sentiment PhraseMatcher (it tries every pattern at every token), and still 0.13 s when run only on
    the 873 that hold a unit word. Every match holds a unit word, so the rule looks only there: one set
    lookup per Doc, and a few string comparisons around each unit word (session 22).
    """

    def __init__(self, vocab, spec: dict | None, key: str):
        spec = spec or {}
        self.key = vocab.strings.add(key)
        self.least = unit_forms(spec)  # unit form -> least number
        self.plurals = frozenset(str(u).lower() for u in (spec.get("units") or {}))
        self.between = frozenset(str(w).lower() for w in spec.get("between") or [])
        self.nouns = frozenset(str(w).lower() for w in spec.get("nouns") or [])
        # a figure glued to its unit is one token ("40mins"): the hashes of every such word the rule reads
        self._glued = frozenset(hash_string(g) for g in glued_forms(self.least))
        self.verbs = frozenset(" ".join(_tokens(v)) for v in spec.get("verbs") or [])
        self.verb_lengths = sorted({len(v.split()) for v in self.verbs})
        purposes = spec.get("purposes") or {}
        self.purpose_units = frozenset(str(u).lower() for u in purposes.get("units") or [])
        self.actions = sorted({tuple(_tokens(a)) for a in purposes.get("actions") or []})
        self._units = frozenset(vocab.strings.add(w) for w in set(self.least) | self.purpose_units)
        self._triggers = self._units | self._glued

    def __call__(self, doc: Doc, lowers: list[int] | None = None) -> list[tuple[int, int, int]]:
        """The rule's spans in ``doc`` (``lowers``: the Doc's LOWER hashes, when the caller has them)."""
        if lowers is None:
            lowers = doc.to_array(LOWER).tolist()
        if self._triggers.isdisjoint(lowers):
            return []
        strings = doc.vocab.strings
        out = []
        n_tokens = len(lowers)
        for i, h in enumerate(lowers):
            if h not in self._triggers:
                continue
            noun = i + 1 < n_tokens and strings[lowers[i + 1]] in self.nouns
            if h in self._glued:  # "waited 40mins", "a 45min wait"
                out += [(self.key, i - k, i + 1) for k in self._verbs_before(lowers, strings, i)]
                if noun:
                    out.append((self.key, i, i + 2))
                continue
            unit = strings[h]
            if unit in self.least and i >= 1:  # a verb, a number reaching the unit's minimum, the unit
                first = i - 1  # the number: right before the unit, or before one word of ``between``
                hyphen = False
                if first >= 1 and strings[lowers[first]] in self.between:
                    first -= 1
                elif noun and first >= 1 and strings[lowers[first]] == "-":  # "a 3-hour delay": the noun only
                    first, hyphen = first - 1, True
                n = _number(strings[lowers[first]])
                if n is not None and n >= self.least[unit]:
                    if not hyphen:
                        out += [(self.key, first - k, i + 1) for k in self._verbs_before(lowers, strings, first)]
                    if noun:  # "a 45 minute wait"
                        out.append((self.key, first, i + 2))
            if unit in self.plurals:  # "took weeks", "waited hours"
                out += [(self.key, i - k, i + 1) for k in self._verbs_before(lowers, strings, i)]
            if unit in self.purpose_units and i + 1 < len(lowers) and strings[lowers[i + 1]] == "to":
                after = [strings[x] for x in lowers[i + 2:i + 2 + max(map(len, self.actions), default=0)]]
                out += [(self.key, i, i + 2 + len(a)) for a in self.actions if tuple(after[:len(a)]) == a]
        return sorted(set(out), key=lambda m: (m[1], m[2]))

    def _verbs_before(self, lowers: list, strings, end: int) -> list[int]:
        """How far back the rule's verbs start that end right before token ``end``, or before up to
        :data:`MAX_GAP` words of :data:`GAP_WORDS` there ("took **them** six weeks", "waited **about** 40
        minutes", "took **us well over** 2 hours")."""
        out = []
        for gap in range(MAX_GAP + 1):
            if gap and (end - gap < 0 or strings[lowers[end - gap]] not in GAP_WORDS):
                break
            stop = end - gap
            out += [gap + k for k in self.verb_lengths if k <= stop
                    and " ".join(strings[x] for x in lowers[stop - k:stop]) in self.verbs]
        return out


def unit_forms(spec: dict | None) -> dict[str, int]:
    """Every form of the rule's units, with the least number of it that is a long wait: the unit, its
    singular, and its short forms (``aliases``: "mins", "hrs" …)."""
    spec = spec or {}
    least: dict[str, int] = {}
    for unit, n in (spec.get("units") or {}).items():
        unit = str(unit).lower()
        for form in {unit, unit.rstrip("s")}:
            least[form] = int(n)
    for alias, unit in (spec.get("aliases") or {}).items():
        if str(unit).lower() in least:
            least[str(alias).lower()] = least[str(unit).lower()]
    return least


def glued_forms(least: dict[str, int]) -> list[str]:
    """A figure and a unit form written as one word, for every figure from the form's least number to
    :data:`MAX_FIGURE` ("40mins", "2hrs", "3days")."""
    return [f"{n}{form}" for form, low in least.items() for n in range(max(low, 1), MAX_FIGURE + 1)]


def duration_phrases(spec: dict | None) -> dict[str, float]:
    """The same rule written out as ``{phrase: valence}`` (every verb × number × unit form): what the
    sentiment matcher read until session 22, kept as the reference :class:`DurationRule` is tested
    against."""
    if not spec:
        return {}
    value = float(spec.get("valence", -1.2))
    out: dict[str, float] = {}
    forms = unit_forms(spec)
    verbs = [str(v).lower() for v in spec.get("verbs") or []]
    nouns = [str(w).lower() for w in spec.get("nouns") or []]
    betweens = [""] + [f" {str(w).lower()}" for w in spec.get("between") or []]
    for form, least in forms.items():
        numbers = [str(n) for n in range(least, MAX_FIGURE + 1)]
        numbers += [w for i, w in enumerate(NUMBER_WORDS, 1) if i >= least]
        if least <= 1:
            numbers += ["a", "an"]
        amounts = [f"{n}{b} {form}" for n in numbers for b in betweens]  # "three working days"
        for amount in amounts:
            for verb in verbs:
                out[f"{verb} {amount}"] = value
            for noun in nouns:
                out[f"{amount} {noun}"] = value  # "a 45 minute wait"
        for n in numbers:
            for noun in nouns:
                out[f"{n} - {form} {noun}"] = value  # "a 3-hour delay"
    for glued in glued_forms(forms):
        for verb in verbs:
            out[f"{verb} {glued}"] = value
        for noun in nouns:
            out[f"{glued} {noun}"] = value
    for unit in spec.get("units") or {}:
        for verb in verbs:
            out[f"{verb} {str(unit).lower()}"] = value  # "took weeks", "waited hours"
    purposes = spec.get("purposes") or {}
    for unit in purposes.get("units") or []:
        for action in purposes.get("actions") or []:
            out[f"{str(unit).lower()} to {str(action).lower()}"] = value
    return out
