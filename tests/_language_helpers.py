"""Shared fixtures for the language tests (pipeline built once per test session)."""

from __future__ import annotations

import pytest

from cxaudit.nlp import get_pipeline


@pytest.fixture(scope="session")
def nlp():
    return get_pipeline("blank")


def first_sentence_score(nlp, text: str) -> float:
    doc = nlp(text)
    return doc._.sent_sentiment[0]
