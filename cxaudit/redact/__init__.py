"""Replace personal data in documents and turns by consistent placeholders.

What is replaced (in ``turns.text``; speaker and participant columns get pseudonyms):

==============  =============================================================  ===============
kind            what                                                           placeholder
==============  =============================================================  ===============
email           e-mail addresses                                               ``[EMAIL_1]``
url             http(s)/www URLs                                               ``[URL_1]``
iban            IBANs (2 letters, 2 digits, 11–30 alphanumerics, spaces ok)    ``[ACCOUNT_1]``
card            13–19 digits (spaces/dashes allowed) passing the Luhn check    ``[CARD_1]``
account         sort codes (12-34-56) and 6–12 digit numbers within 4 words    ``[ACCOUNT_2]``
                after "account", "acct", "a/c", "sort code", "IBAN"
phone           UK/US/international shapes (+44 …, 07…, (555) 123-4567 …)       ``[PHONE_1]``
participant     speaker labels of non-interviewer speakers, ``documents.        ``P01`` (columns),
                participant`` values, and their first names (≥ 3 letters,      ``P01`` in text
                capitalised) in text; PERSON entities when a trained pipeline
                with NER is given
==============  =============================================================  ===============

A participant's name in text becomes the bare pseudonym (``P01``), so a sentence reads
naturally ("P01 said …"). Interviewer speaker labels become ``Interviewer``. The same
value always gets the same placeholder across the whole call (numbering follows first
appearance). ``mapping`` (placeholder, kind, value) is for a private file the caller
controls; nothing else keeps the real values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from cxaudit._pieces import PIECE_CHARS, text_pieces

__all__ = ["Redaction", "redact", "luhn_ok", "PATTERNS"]

GENERIC_LABELS = {"interviewer", "moderator", "facilitator", "researcher", "q", "i", "int"}
#: Participant labels that name a role, not a person: kept as they are, never searched for in text.
GENERIC_PARTICIPANT_LABELS = {
    "a", "r", "p", "participant", "interviewee", "respondent", "customer", "guest", "client", "caller",
    "user", "patient", "member", "speaker", "unknown",
}
_GENERIC_NUMBERED = re.compile(r"^(?:speaker|participant|respondent|customer|p|r|guest|caller)\s*\d+$", re.I)

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_URL = r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
_IBAN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"
_CARD = r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"
_CARD_GROUPED = re.compile(r"^\d{4}([ -])\d{4}\1\d{4}\1\d{4}$")  # 4-4-4-4: a card even when mistyped
_SORT = r"(?<!\d)\d{2}-\d{2}-\d{2}(?![\d-])"
_ACCOUNT = (r"(?i:\b(?:account|acct|a/c|sort[ -]?code|iban)\b(?:\W+\w+){0,3}?\W+)"
            r"(?P<num>(?<!\d)\d(?:[ -]?\d){5,11}(?!\d))")
_PHONE = (r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"
          r"|\(\d{3}\)\s?\d{3}[\s.-]?\d{4}"
          r"|\b\d{3}[.-]\d{3}[.-]\d{4}"
          r"|\b0\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4})(?![\w])")

#: kind -> (compiled regex, placeholder prefix); applied in this order.
PATTERNS: dict[str, tuple[re.Pattern, str]] = {
    "email": (re.compile(_EMAIL), "EMAIL"),
    "url": (re.compile(_URL), "URL"),
    "iban": (re.compile(_IBAN), "ACCOUNT"),
    "card": (re.compile(_CARD), "CARD"),
    "sort_code": (re.compile(_SORT), "ACCOUNT"),
    "account": (re.compile(_ACCOUNT), "ACCOUNT"),
    "phone": (re.compile(_PHONE), "PHONE"),
}


#: Patterns that only match text holding a digit.
_NEEDS_DIGIT = frozenset({"iban", "card", "sort_code", "account", "phone"})
_DIGIT = re.compile(r"\d")


def _may_match(kind: str, text: str) -> bool:
    """False when pattern ``kind`` cannot match ``text`` (a cheap guard: most comments hold no "@",
    no URL and no digit)."""
    if kind == "email":
        return "@" in text
    if kind == "url":
        return "http" in text or "www." in text
    return kind not in _NEEDS_DIGIT or _DIGIT.search(text) is not None


def luhn_ok(digits: str) -> bool:
    """True when the digits of ``digits`` (other characters ignored) pass the Luhn check."""
    nums = [int(c) for c in digits if c.isdigit()]
    if len(nums) < 2:
        return False
    total = 0
    for i, d in enumerate(reversed(nums)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass
class Redaction:
    """Result of :func:`redact`: redacted tables and the placeholder → value mapping."""

    documents: pd.DataFrame
    turns: pd.DataFrame
    mapping: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["placeholder", "kind", "value"]))


class _Registry:
    """Consistent placeholders: the same (prefix, value) always gets the same one."""

    def __init__(self, pseudonyms: dict[str, str] | None = None, previous: pd.DataFrame | None = None):
        self.by_value: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}
        self.rows: list[tuple[str, str, str]] = []
        self.pseudonyms = dict(pseudonyms or {})
        if previous is not None:
            for placeholder, kind, value in previous[["placeholder", "kind", "value"]].itertuples(index=False):
                self.seed(str(placeholder), str(kind), str(value))

    def seed(self, placeholder: str, kind: str, value: str) -> None:
        """Keep a placeholder given by an earlier run, so numbering never changes between runs."""
        if kind == "participant":
            prefix, key, number = "P", ("P", value.strip().casefold()), placeholder[1:]
        else:
            prefix = placeholder.strip("[]").rsplit("_", 1)[0]
            key, number = (prefix, value), placeholder.strip("[]").rsplit("_", 1)[-1]
        if key in self.by_value:
            return
        self.by_value[key] = placeholder
        self.rows.append((placeholder, kind, value))
        if number.isdigit():
            self.counts[prefix] = max(self.counts.get(prefix, 0), int(number))

    def placeholder(self, prefix: str, kind: str, value: str) -> str:
        key = (prefix, value)
        if key not in self.by_value:
            self.counts[prefix] = self.counts.get(prefix, 0) + 1
            self.by_value[key] = f"[{prefix}_{self.counts[prefix]}]"
            self.rows.append((self.by_value[key], kind, value))
        return self.by_value[key]

    def participant(self, name: str) -> str:
        key = ("P", name.strip().casefold())
        if key not in self.by_value:
            given = self.pseudonyms.get(name.strip())
            if given is None:
                self.counts["P"] = self.counts.get("P", 0) + 1
                given = f"P{self.counts['P']:02d}"
            self.by_value[key] = given
            self.rows.append((given, "participant", name.strip()))
        return self.by_value[key]


def _is_interviewer(label: str, role: str | None) -> bool:
    return role == "interviewer" or label.strip().casefold() in GENERIC_LABELS


def _is_personal(label: str) -> bool:
    """True when a speaker label looks like a person's name (not 'A', 'Customer', 'Speaker 2')."""
    label = label.strip()
    return (len(label) >= 2 and label[0].isupper() and any(c.isalpha() for c in label)
            and label.casefold() not in GENERIC_PARTICIPANT_LABELS and not _GENERIC_NUMBERED.match(label))


def _single_participant_labels(documents: pd.DataFrame, turns: pd.DataFrame) -> dict[tuple, str]:
    """(doc_id, speaker label) -> the document's participant, where the document has one participant speaker."""
    if not {"doc_id", "participant"} <= set(documents.columns) or not {"doc_id", "speaker", "role"} <= set(turns.columns):
        return {}
    who = {d: p for d, p in zip(documents["doc_id"], documents["participant"]) if isinstance(p, str) and p.strip()}
    part = turns[(turns["role"] == "participant") & turns["speaker"].notna()]
    alias = {}
    for doc_id, labels in part.groupby("doc_id")["speaker"]:
        distinct = set(labels)
        if len(distinct) == 1 and doc_id in who:
            alias[(doc_id, distinct.pop())] = who[doc_id]
    return alias


def _names_regex(names: dict[str, str]) -> re.Pattern | None:
    """One regex for every full name and first name (≥ 3 letters, capitalised) to replace."""
    if not names:
        return None
    alts = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alts) + r")(?!\w)")


def _redact_text(text: str, reg: _Registry, names_re: re.Pattern | None, names: dict[str, str], nlp) -> str:
    """``text`` with PII replaced (patterns, then participant names, then NER persons)."""
    if not text:
        return text
    for kind, (rx, prefix) in PATTERNS.items():
        if not _may_match(kind, text):
            continue

        def repl(m, kind=kind, prefix=prefix):
            if kind == "card" and not (luhn_ok(m.group(0)) or _CARD_GROUPED.match(m.group(0))):
                return m.group(0)
            if kind == "account":
                num = m.group("num")
                return m.group(0)[: m.start("num") - m.start()] + reg.placeholder(prefix, kind, num)
            return reg.placeholder(prefix, kind, m.group(0))

        text = rx.sub(repl, text)
    if names_re is not None:
        text = names_re.sub(lambda m: names[m.group(0)], text)
    if nlp is not None and "ner" in nlp.pipe_names:
        # a text longer than the pipeline's max_length is read in pieces (offsets into the whole text)
        limit = nlp.max_length if len(text) <= nlp.max_length else min(nlp.max_length, PIECE_CHARS)
        persons = [(offset + e.start_char, offset + e.end_char, e.text)
                   for offset, piece in text_pieces(text, limit) for e in nlp(piece).ents if e.label_ == "PERSON"]
        for start, end, name in reversed(persons):
            text = text[:start] + reg.participant(name) + text[end:]
    return text


def _speaker_label(doc_id, label, role, alias: dict, reg: "_Registry"):
    """The label to store for a speaker: a pseudonym for people, generic labels as they are."""
    if not isinstance(label, str) or not label.strip():
        return label
    if _is_interviewer(label, role):
        return label if label.strip().casefold() in GENERIC_LABELS else "Interviewer"
    if (doc_id, label) in alias:
        return reg.participant(alias[(doc_id, label)])
    return reg.participant(label) if _is_personal(label) else label


def redact(documents: pd.DataFrame, turns: pd.DataFrame, *, nlp=None,
           pseudonyms: dict[str, str] | None = None, previous: pd.DataFrame | None = None) -> Redaction:
    """Redacted copies of ``documents`` and ``turns`` and the mapping (placeholder, kind, value).

    ``documents`` needs a ``participant`` column when it has participants; ``turns``
    needs ``speaker``, ``role`` and ``text``. ``pseudonyms`` fixes the pseudonym of a
    participant (``{"Jane Smith": "P07"}``); others get P01, P02 … in order of first
    appearance. ``nlp``: a pipeline with an ``ner`` component also replaces PERSON
    entities. ``previous``: the mapping an earlier run returned; its placeholders are
    kept (and returned again) so reruns and later waves never renumber anyone. The
    inputs are not modified.
    """
    for name, df, cols in (("documents", documents, ()), ("turns", turns, ("text",))):
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"redact: {name} must be a DataFrame; found {type(df).__name__}")
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"redact: {name} lacks column(s) {missing}; found {list(df.columns)}")
    reg = _Registry(pseudonyms, previous)
    docs = documents.copy()
    tr = turns.copy()
    names: dict[str, str] = {}

    def register(person: str) -> None:
        person = person.strip()
        pseudo = names.get(person) or reg.participant(person)  # "Omar" reuses "Omar Haddad"'s pseudonym
        reg.by_value[("P", person.casefold())] = pseudo
        names.setdefault(person, pseudo)
        first = person.split()[0]
        if len(first) >= 3 and first[0].isupper() and first.isalpha():
            names.setdefault(first, pseudo)

    alias = _single_participant_labels(docs, tr)
    if "participant" in docs.columns:
        for p in docs["participant"]:
            if isinstance(p, str) and p.strip():
                register(p)
    if "speaker" in tr.columns:
        roles = tr["role"] if "role" in tr.columns else pd.Series([None] * len(tr), index=tr.index)
        doc_ids = tr["doc_id"] if "doc_id" in tr.columns else pd.Series([None] * len(tr), index=tr.index)
        for doc_id, label, role in zip(doc_ids, tr["speaker"], roles):
            if (isinstance(label, str) and label.strip() and not _is_interviewer(label, role)
                    and (doc_id, label) not in alias and _is_personal(label)):
                register(label)
    names_re = _names_regex(names)
    if "participant" in docs.columns:
        docs["participant"] = [reg.participant(p) if isinstance(p, str) and p.strip() else p for p in docs["participant"]]
    if "speaker" in tr.columns:
        tr["speaker"] = [
            _speaker_label(doc_id, label, role, alias, reg)
            for doc_id, label, role in zip(doc_ids, tr["speaker"], roles)
        ]
    tr["text"] = [_redact_text(t, reg, names_re, names, nlp) if isinstance(t, str) else t for t in tr["text"]]
    mapping = pd.DataFrame(reg.rows, columns=["placeholder", "kind", "value"])
    return Redaction(documents=docs, turns=tr, mapping=mapping)
