"""A deterministic synthetic corpus of customer comments, for benchmarks.

``make_comments(n, seed)`` returns ``n`` comments (a DataFrame with columns
comment_id, text, score, segment, channel, wave) whose lengths run from a few
words to a paragraph, mixing customer-experience sentences (praise, complaints,
effort, wishes, questions, fillers) across banking, telecom, travel, retail and
healthcare with a large open vocabulary (generated names of products, places and
people), so that tokenizer caches do not make throughput look better than on real
text. The same ``(n, seed)`` always gives the same frame. Not labelled data: use it
for speed and robustness, never for quality figures.
"""

from __future__ import annotations

import random

import pandas as pd

__all__ = ["make_comments", "word_count"]

_SYL = ["ka", "lo", "mi", "ter", "van", "sol", "ri", "den", "bra", "qui", "zo", "mar", "pel", "ton",
        "ash", "wick", "ford", "ly", "ex", "nor", "cal", "bel", "fin", "gro", "hal", "jun", "pra", "stev"]
_DOMAINS = {
    "banking": (["the app", "my card", "the branch", "the overdraft", "the mortgage adviser", "online banking",
                 "the fraud team", "the savings account", "the statement", "the direct debit"],
                ["a transfer", "my balance", "the fees", "a new card", "the interest rate", "my PIN"]),
    "telecom": (["the broadband", "the engineer", "my bill", "the signal", "the router", "the contract",
                 "customer services", "the roaming charges", "the upgrade", "the new tariff"],
                ["an outage", "the speed", "my data", "a refund", "the installation", "a SIM"]),
    "travel": (["the flight", "the hotel", "check-in", "the gate staff", "the train", "my luggage",
                "the booking site", "the cabin crew", "the transfer bus", "the lounge"],
               ["a delay", "the seat", "my bag", "a voucher", "the connection", "the room"]),
    "retail": (["the delivery", "the website", "the store", "the checkout", "the returns desk", "the parcel",
                "the sales assistant", "the loyalty scheme", "the tracking page", "the product"],
               ["a refund", "the size", "my order", "the receipt", "a discount", "the colour"]),
    "healthcare": (["the receptionist", "the nurse", "the GP", "the pharmacy", "the booking line",
                    "the consultant", "the waiting room", "the test results", "the app", "the clinic"],
                   ["an appointment", "my prescription", "the referral", "a scan", "my results", "a callback"]),
}
_POS = ["was brilliant", "was really helpful", "was quick and easy", "was friendly and patient",
        "sorted it out in one call", "went above and beyond", "made me feel valued", "was spotless",
        "explained everything clearly", "was on time", "worked perfectly", "was great value"]
_NEG = ["was a nightmare", "was rude and dismissive", "kept crashing", "never arrived", "was painfully slow",
        "charged me twice", "left me on hold for {n} minutes", "lost my booking", "was confusing",
        "did not listen", "made me feel like a number", "cancelled without telling me"]
_EFFORT = ["I had to call {k} times before anyone helped.", "I'm still waiting for {o} after {n} days.",
           "They transferred me to {k} different people.", "I kept chasing them for {o}.",
           "I had to explain everything again to {p}.", "I ended up going to {pl} in person."]
_WISH = ["I wish {s} would just tell me what is happening.", "It would be great if {s} sent a text first.",
         "They should make {o} easier to find.", "Ideally I'd speak to the same person each time.",
         "What I need is a straight answer about {o}.", "If only {s} worked on a phone."]
_OTHER = ["Yeah.", "Okay, thanks.", "Um, let me think.", "That's about it really.", "Right."]
_QUESTION = ["Why does {o} take so long?", "How am I supposed to know about {o}?", "Is that normal?"]
_GLUE = ["Honestly,", "To be fair,", "Last {when},", "When I rang about {o},", "After {n} weeks,", "Apparently", ""]
_WHEN = ["Monday", "week", "month", "spring", "Christmas", "summer", "year"]
_NUM = ["two", "three", "four", "five", "six", "ten", "2", "3", "4", "20", "40", "45"]
_SEGMENTS = ["new customer", "loyal customer", "business", "student", "retired"]
_CHANNELS = ["phone", "web", "app", "branch", "email", "chat"]
_WAVES = ["2026-Q1", "2026-Q2", "2026-Q3"]


#: Sentences per comment: mostly one or two, sometimes a paragraph; about 2.3 sentences or 20 words
#: a comment on average (issue 8 sizes its goals for comments of about 20 words).
_SENTENCES_PER_COMMENT = [1, 1, 1, 1, 2, 2, 2, 3, 4, 6]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 4))).capitalize()


def _sentence(rng: random.Random, score: int) -> str:
    domain = rng.choice(list(_DOMAINS))
    subjects, objects = _DOMAINS[domain]
    s, o = rng.choice(subjects), rng.choice(objects)
    fill = {"s": s, "o": o, "n": rng.choice(_NUM), "k": rng.choice(_NUM[:6]),
            "p": f"{_name(rng)} in {_name(rng)}", "pl": f"the {_name(rng)} {rng.choice(['branch', 'store', 'office'])}",
            "when": rng.choice(_WHEN)}
    r = rng.random()
    positive_bias = score / 10
    if r < 0.45:
        pred = rng.choice(_POS if rng.random() < positive_bias else _NEG)
        glue = rng.choice(_GLUE).format(**fill)
        extra = f" at {_name(rng)} {rng.choice(['Street', 'Park', 'Road', 'Centre'])}" if rng.random() < 0.4 else ""
        contrast = ""
        if rng.random() < 0.25:
            other = rng.choice(_DOMAINS[domain][0])
            contrast = f", but {other} {rng.choice(_NEG if positive_bias > 0.5 else _POS)}"
        text = f"{glue} {s}{extra} {pred}{contrast}.".format(**fill).strip()
    elif r < 0.65:
        text = rng.choice(_EFFORT).format(**fill)
    elif r < 0.8:
        text = rng.choice(_WISH).format(**fill)
    elif r < 0.9:
        text = rng.choice(_QUESTION).format(**fill)
    else:
        text = rng.choice(_OTHER)
    return text[0].upper() + text[1:]


def make_comments(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic comments: comment_id, text, score (0–10), segment, channel, wave."""
    if n < 0:
        raise ValueError(f"make_comments: n must be >= 0; found {n}")
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        score = rng.randint(0, 10)
        n_sent = rng.choice(_SENTENCES_PER_COMMENT)
        text = " ".join(_sentence(rng, score) for _ in range(n_sent))
        rows.append((f"c{seed}-{i:07d}", text, score, rng.choice(_SEGMENTS), rng.choice(_CHANNELS), rng.choice(_WAVES)))
    return pd.DataFrame(rows, columns=["comment_id", "text", "score", "segment", "channel", "wave"])


def word_count(texts) -> int:
    """Whitespace-separated words in an iterable of strings (the benchmarks' unit)."""
    return sum(len(t.split()) for t in texts)
