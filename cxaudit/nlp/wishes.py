"""Praise in a wish: the wanted state, not the current one (mode ``desired``).

:func:`wished` discounts the praise of a desired sentence, for a clue (``cxaudit.clues._rules.clue_feeling``)
and for the sentence's own score (``cx_mode``, :mod:`cxaudit.nlp.mode`); :func:`counterfactual` says whether
the wish is against the facts. Kept apart from :mod:`cxaudit.nlp.clue_scope` (where they were until session
17) so that the statement mode does not import the clause scorer. The method: docs/language.md, "The
feeling of a clue" (the statement mode).
"""

from __future__ import annotations

from spacy.tokens import Doc

from . import scope_rules
from .failed_actions import _past_place
from .lexicon import doc_words

__all__ = ["wished", "counterfactual", "unmet_subject", "requested", "expectation_end", "DESIRED_POSITIVE"]

#: Positive polarity in a wish or suggestion is the wanted state: it becomes this times itself
#: when the wish is against the facts, else 0 (:func:`wished`).
DESIRED_POSITIVE = -0.3
#: Words that make a wish counterfactual (the present lacks what is wished for).
_COUNTERFACTUAL = frozenset(("were", "actually", "properly", "once", "had"))


def counterfactual(doc: Doc, ss: int, se: int) -> bool:
    """True when the sentence ``doc[ss:se]`` states a wish against the facts (see
    :meth:`ClauseScorer.counterfactual`)."""
    words = doc_words(doc)[0][ss:se]
    if any(w in _COUNTERFACTUAL for w in words):
        return True
    # "wish the PDF password **wasn't** so complicated": after "wish", "was" is against the facts too (not in
    # any desired sentence: "the sushi was superb … just what you would expect" wishes nothing)
    wish = next((i for i, w in enumerate(words) if w in _WISH_VERBS), -1)
    return wish >= 0 and "was" in words[wish + 1:]


def wished(polarity: float, doc: Doc, ss: int, se: int) -> float:
    """Polarity of praise in a wish or suggestion (mode ``desired``), sentence ``doc[ss:se]``: the
    praise describes the wanted state, not the current one. It counts 0 ("it would be good to get
    a text reminder"); when the wish is against the facts ("I wish the staff were as cheerful as
    last year", "if the timetable were actually up to date") the present lacks it:
    :data:`DESIRED_POSITIVE` times itself. Criticism is left as it is."""
    if polarity <= 0:
        return polarity
    words = " " + " ".join(doc_words(doc)[0][ss:se]) + " "
    if any(f" {cue} " in words for cue in scope_rules.praise_kept()) or scope_rules.intent_re().search(words):
        return polarity  # "keep up the good work", "you'd love it", "I'd definitely go back"
    return polarity * DESIRED_POSITIVE if counterfactual(doc, ss, se) else 0.0


#: Words between a wish's opener and its subject: "I wish **the** staff knew", "if only **my** bank let me".
_SUBJECT_DETERMINERS = frozenset(("the", "a", "an", "my", "our", "your", "their", "his", "her", "its", "this",
                                  "these", "those", "some", "more", "all"))
_WISH_VERBS = frozenset(("wish", "wished", "wishing"))
#: After the subject of "if": the verb of an open condition ("if the train is late"), not a wish.
_PRESENT = frozenset(("is", "are", "am", "'s", "'re", "'m", "does", "do", "has", "have", "'ve", "can", "will", "ca",
                      "wo", "gets", "get", "goes", "go", "works", "work", "keeps", "keep", "lets"))
#: After the subject of "if": a conditional or past verb that makes the wish counterfactual.
_IF_COUNTERFACTUAL = frozenset(("would", "'d", "could", "did", "were", "was", "had", "might"))
#: After the subject: the subject goes on, or no verb follows.
_NOT_A_VERB = frozenset(("and", "or", "but", "of", "in", "on", "at", "for", "to", "with", "from", "by", "about",
                         "that", "who", "which", "'s", "s"))
#: A duty of the clue: "the staff **should** be trained", "the website **needs to** …" — it is not, today.
_DUTIES = {"should": None, "ought": "to", "need": "to", "needs": "to"}
_DUTY_ADVERBS = frozenset(("really", "just", "also", "definitely", "actually", "at", "least", "simply"))


def _subject_of_wish(doc: Doc, s: int, e: int, se: int) -> bool:
    """The clue at ``[s, e)`` is the subject of a wish against the facts: right after (past determiners)
    "wish (that)", "if only", or an "if" whose verb is past or conditional, and followed by its verb —
    "I wish **the trains** ran on time", "if only **the app** let you choose", "it would be nice if **the
    portions** matched the prices". An open condition ("if the train is late") and a wished-for thing
    that is the object ("it would be great if the hotel offered **a late checkout**") are not."""
    i = s
    # up to two words between a determiner and the clue that name what kind it is: "if **the freeze card**
    # button was on the home screen" (session 25, seen on the dashboard's typical quotes)
    while i > 0 and s - i < 2 and doc[i - 1].is_alpha and not doc[i - 1].is_stop and doc[i - 1].lower_ not in _WISH_VERBS:
        i -= 1
    if i < s and not (i > 0 and doc[i - 1].lower_ in _SUBJECT_DETERMINERS):
        i = s
    while i > 0 and doc[i - 1].lower_ in _SUBJECT_DETERMINERS:
        i -= 1
    if i == 0 or e >= se:
        return False
    opener = doc[i - 1].lower_
    if opener == "that" and i >= 2 and doc[i - 2].lower_ in _WISH_VERBS:
        opener = "wish"
    elif opener == "only" and i >= 2 and doc[i - 2].lower_ == "if":
        opener = "if only"
    nxt = doc[e]
    word = nxt.lower_
    if not (nxt.is_alpha or word.startswith("'")) or word in _NOT_A_VERB:
        return False
    if any(t.lower_ in ("too", "also") or (t.lower_ == "as" and t.i + 1 < se and doc[t.i + 1].lower_ == "well")
           for t in doc[e:se]):
        return False  # something more it could do: "it would be great if the app showed your credit score too"
    if opener in _WISH_VERBS or opener == "if only":
        return word not in _PRESENT or opener == "if only"
    if opener == "ideally":  # "ideally **the bot** would hand over to a person" (session 24, blind sample s24b)
        return word in _IF_COUNTERFACTUAL or word == "should"
    if opener == "if":
        # past or conditional: "matched", "remembered", "knew" (its lemma differs, and it is no plural)
        return word in _IF_COUNTERFACTUAL or (word not in _PRESENT and (word.endswith("ed") or (
            nxt.lemma_.lower() != word and not word.endswith("s"))))
    return False


def _duty_of(doc: Doc, s: int, e: int, se: int, rule: dict | None) -> bool:
    """The clue at ``[s, e)`` is the subject of a duty it does not meet today: "**the people** on the
    phone line should be trained", "**the website** needs to show the fees", "the app shouldn't log you
    out" — not a report of what should have happened ("the agent should have called": mode ``current``
    anyway) and not a recommendation (a sentence with praise does not reach this rule)."""
    j = _past_place(doc, e, se, rule) if rule else e  # after a phrase of place, as for a failed action
    if j >= se or doc[j].lower_ not in _DUTIES:
        return False
    need = _DUTIES[doc[j].lower_]
    j += 1
    if need is not None:
        if j >= se or doc[j].lower_ != need:
            return False
        j += 1
    while j < se and (doc[j].lower_ in _DUTY_ADVERBS or doc[j].lower_ in ("n't", "not")):
        j += 1
    return j < se and doc[j].is_alpha and doc[j].lower_ not in ("have", "'ve")


#: After "they should": a verb that values what is there ("they should keep the friendly staff"), a report of
#: the past ("should have"), or being ("they should be proud of the staff": praise, not a lack).
_NOT_A_DUTY = frozenset(("keep", "continue", "be", "have", "'ve", "try"))
#: Where the duty's predicate ends: another clause.
_CLAUSE_END = frozenset((",", ";", ".", "!", "?", "but", "because", "although", "though", "while", "whereas", "so"))


def _duty_action(doc: Doc, s: int, ss: int = 0) -> bool:
    """The clue at token ``s`` is in the action of the provider's duty: "they should just **refund** it",
    "they should refund it **straight away**" — they do not, today (whatever the wish praises: "straight
    away"; session 25 extended it from the verb to its predicate, up to the end of the clause)."""
    for j in range(s - 1, ss, -1):
        word = doc[j].lower_
        if word in _CLAUSE_END:
            return False
        if word == "should" and doc[j - 1].lower_ == "they":
            v = j + 1
            while v < s and doc[v].lower_ in _DUTY_ADVERBS:
                v += 1
            # the clue is the duty's verb, or comes after a verb that asks for something
            return v == s or doc[v].is_alpha and doc[v].lower_ not in _NOT_A_DUTY and not doc[v].is_stop
    return False


#: Requests to the provider that open a sentence (``imperative_starts`` of mode.yml, without "keep": "keep
#: the branch open" values what is there): what is asked for is missing today.
_REQUESTS = frozenset(("please", "give", "make", "let", "stop", "bring", "put", "fix", "just", "send", "tell", "answer",
                       "get", "be", "pick"))
#: A request for something new is no complaint about what is there (the customer-service set: "please add
#: dark mode to the editor" is a feature request, gold neutral), nor is "make sure" (advice).
_NEW_THINGS = frozenset(("add", "offer", "provide", "allow", "consider", "introduce", "sure", "try"))
#: "Give it a try": advice to other customers, not a request.
_ADVICE_OBJECTS = frozenset(("try", "go", "chance", "whirl", "miss", "shot"))


def requested(doc: Doc, wish: int, s: int, se: int) -> bool:
    """The clue at token ``s`` is what a request that opens its sentence at ``wish`` asks for — "please
    **put the chairs back**", "give me one page **in plain English**", "stop sending **letters**", "fix
    **the app**": today it is missing or wrong (session 21). Not "keep …", and not advice ("give it a
    try")."""
    if wish < 0 or s <= wish or doc[wish].lower_ not in _REQUESTS:
        return False
    if doc[wish].lower_ == "get" and not (wish + 1 < se and doc[wish + 1].lower_ == "rid"):
        return False  # "get the soup": advice; "get rid of the fees": a request
    words = [t.lower_ for t in doc[wish:se]]
    if "keep" in words[:3] or any(w in _NEW_THINGS for w in words[:3]):
        return False
    return not any(a == "a" and b in _ADVICE_OBJECTS for a, b in zip(words, words[1:]))


#: Who does what a wish asks for: "if **they** warned you", "I wish **you**'d call back".
_DOERS = frozenset(("they", "you", "he", "she", "someone", "somebody", "staff", "people"))
_MODALS = frozenset(("would", "'d", "could", "did", "might", "just", "actually", "only", "properly", "at", "least"))
#: What the reader would like: "if you would **like** …", "if you'd **prefer** …".
_TASTES = frozenset(("like", "love", "prefer", "want", "enjoy", "fancy", "rather"))
#: A place the wished-for thing would be in or on: "if you could see the redemption figure **in the app**".
_PLACES = frozenset(("in", "on", "at", "through", "via", "from", "into"))


#: What a conditional main clause calls the thing it wishes for: "it would be **great** if …", "I'd **love** it if …".
_GLAD = frozenset(("great", "nice", "good", "better", "helpful", "ideal", "lovely", "brilliant", "useful", "handy",
                   "easier", "amazing", "fantastic", "perfect", "wonderful", "happy", "happier", "love", "appreciate",
                   "welcome", "fab", "cool"))


def _glad_if(doc: Doc, i: int, ss: int) -> bool:
    """The "if" at ``i`` follows a main clause that would be glad of it — "it would be great **if** you told me a fee
    was coming", "I'd really appreciate it **if** …" (session 26, the dashboard's typical quotes): a wish whatever
    the tense after it. Not "it would be a shame if …" (a fear), nor "I'd recommend it if …"."""
    before = [t.lower_ for t in doc[max(ss, i - 6):i]]
    return any(w in ("would", "'d") for w in before) and any(w in _GLAD for w in before)


#: "what I **need** is …", "all we **wanted** was …": a want said as a pseudo-cleft.
_NEEDS = frozenset(("need", "needed", "want", "wanted", "ask", "asked", "expect", "expected"))


def _what_i_need(doc: Doc, i: int, ss: int) -> bool:
    """The "is"/"was" at ``i`` closes "what I need", "all we wanted", "what I'd really want": what follows is
    wanted, and missing today ("what I need is for the bank to trust its own systems", "what I need is
    tracking"; session 26, the sample's interviews and the dashboard's typical quotes)."""
    if doc[i].lower_ not in ("is", "was") or i - ss < 3 or doc[i - 1].lower_ not in _NEEDS:
        return False
    j = i - 2
    while j > ss and doc[j].lower_ in ("really", "actually", "'d", "would", "just", "do", "did"):
        j -= 1
    return j - 1 >= ss and doc[j].lower_ in ("i", "we") and doc[j - 1].lower_ in ("what", "all")


def _wish_opener(doc: Doc, s: int, ss: int) -> int:
    """The token index of the counterfactual "if", the "wish" or the "what I need is" that the clue at ``s``
    follows in its sentence (with a past or conditional verb between "if" and the clue: "if you **could** see …",
    or after a glad main clause), else -1."""
    for i in range(s - 1, ss - 1, -1):
        word = doc[i].lower_
        if word in ("but", "because", ".", ";") or doc[i].is_sent_start and i != ss:
            return -1
        if word in _WISH_VERBS or word in ("if", "ideally") or _what_i_need(doc, i, ss):
            between = [t.lower_ for t in doc[i + 1:s]]
            if word == "if" and not any(w in _IF_COUNTERFACTUAL for w in between) and not (
                    i >= 1 and doc[i - 1].lower_ == "only") and not _glad_if(doc, i, ss):
                return -1
            if word == "ideally" and not any(w in _IF_COUNTERFACTUAL or w == "should" for w in between):
                return -1  # "ideally, they'**d** tell you what's happening": a wish; "ideally the app is quick": none
            # "if they offer**ed** a loyalty scheme": something new, known by its lemma too
            new_thing = any(t.lower_ in _NEW_THINGS or t.lemma_.lower() in _NEW_THINGS for t in doc[i + 1:s]) \
                or between[-1:] in (["have"], ["had"], ["get"], ["see"])
            # "if you'd **like** a quiet table": the reader's taste, an open condition, not a wish
            taste = any(w in _TASTES for w in between)
            return -1 if new_thing or taste else i
    return -1


def _action_of_wish(doc: Doc, s: int, e: int) -> bool:
    """The clue at ``[s, e)`` is the provider's action a wish against the facts asks for: "it would be great if
    **they warned** you before a fee", "I wish they'd **call back**" — today they do not (session 24, found on the
    sample audit's judged tags). Only right after its doer and a modal."""
    i = s
    while i > 0 and doc[i - 1].lower_ in _MODALS:
        i -= 1
    if i < 2 or doc[i - 1].lower_ not in _DOERS:
        return False
    opener = doc[i - 2].lower_
    return opener in _WISH_VERBS or opener == "if" and (s > i or doc[s].lower_.endswith("ed")) or (
        opener == "only" and i >= 3 and doc[i - 3].lower_ == "if")


#: The wisher: what a wish of theirs asks of themselves ("I wish **I** had found this place sooner") is no lack
#: of the provider's.
_WISHERS = frozenset(("i", "we", "me", "us", "i'd", "we'd"))


def _in_wish(doc: Doc, s: int, ss: int) -> bool:
    """The clue at ``s`` is in what a wish against the facts asks the provider for — "I wish the app would show
    **the fee** before you type anything", "if they could make **the billing** feel like Janet does", "I wish
    they'd warn you before they take **a fee**" (session 26, from the sample's judged tags) — or is its place:
    "it would be great if you could see the redemption figure **in the app**" (session 24): it is not so today.
    Not when the wish asks something of the wisher ("I wish **I** had found this place sooner"; their place is
    still the provider's: "I wish I could see it **in the app**"), and not something new to be added ("if they
    **added** dark mode"), nor "as if" or "even if"."""
    opener = _wish_opener(doc, s, ss)
    if opener < 0 or opener > ss and doc[opener - 1].lower_ in ("as", "even"):
        return False  # "as if a master was behind the bar": a likeness; "even if": a concession
    place = doc[s].lower_ in _PLACES or s > ss and doc[s - 1].lower_ in _PLACES or (
        s > ss + 1 and doc[s - 1].lower_ in _SUBJECT_DETERMINERS and doc[s - 2].lower_ in _PLACES)
    doer = opener + 1
    while doer < s and doc[doer].lower_ in ("that", "only", ","):
        doer += 1
    # what is asked for is in the wish's own stretch of words, before a comma ("…, and **service**, just what you
    # would expect" is the next item)
    wanted = doc[opener].lower_ in ("is", "was")  # "what I need is …": the want is the wisher's, what follows not
    return place or (wanted or doer < s and doc[doer].lower_ not in _WISHERS) and all(t.text != "," for t in doc[doer:s])


def unmet_subject(doc: Doc, s: int, e: int, ss: int, se: int, praised: bool, rule: dict | None = None) -> bool:
    """True when the clue at tokens ``[s, e)`` of a ``desired`` sentence ``[ss, se)`` is what a
    wish against the facts or a duty is about — the present lacks it (:func:`_subject_of_wish`,
    :func:`_duty_action`, :func:`_duty_of`; a duty of the clue only when the clue is not ``praised``:
    "the staff should be proud of themselves"). ``rule``: ``rules.failed_action`` of cx_sentiment.yml,
    for a phrase of place after the clue."""
    return (_subject_of_wish(doc, s, e, se) or _duty_action(doc, s, ss) or (not praised and _duty_of(doc, s, e, se, rule))
            or _action_of_wish(doc, s, e) or _in_wish(doc, s, ss))


#: Verbs of an expectation the speaker had (the `desired` cues "i expected", "i was hoping", "all i wanted" … of
#: mode.yml): "I **expected** better service for the price", "I just **wanted** someone to take ownership".
_EXPECTATIONS = frozenset(("expected", "expecting", "hoped", "hoping", "wanted"))
#: Marks that close the expectation's stretch of words.
_EXPECTATION_CLOSE = frozenset((",", ";", ":", "(", ")", "-", "–", "—", ".", "!", "?", "but", "yet", "instead"))


def expectation_end(doc: Doc, wish: int, se: int) -> int:
    """End (exclusive) of what a past expectation that opens at token ``wish`` expected — up to a punctuation mark,
    "but", or "and" before a new subject ("I expected the room to be clean **and it was**") — or -1 when the
    desired cue at ``wish`` is no past expectation (session 27). What someone expected and says no more of was
    not there: "I expected better service for the price", "all I wanted was a call back"."""
    if not any(t.lower_ in _EXPECTATIONS for t in doc[wish:min(se, wish + 4)]):
        return -1
    i = wish + 1
    while i < se:
        w = doc[i].lower_
        if w in _EXPECTATION_CLOSE or (w == "and" and i + 1 < se and doc[i + 1].lower_ in scope_rules.NEW_SUBJECT):
            return i
        i += 1
    return se
