"""The rule tagger: codebooks compiled into span-ruler components, and tag rows.

Each codebook becomes one ``cx_codebook_ruler`` component (:class:`CodebookRuler`, the same
spans as spaCy's ``span_ruler`` at a fraction of its per-Doc cost) named ``cx_ruler_<codebook>``
writing the span group
``doc.spans["cx_<codebook>"]`` (overlapping spans allowed; ``span.label_`` is the code id and
``span.id_`` the codebook name):

* ``phrases`` are phrase patterns matched on lower-cased text (PhraseMatcher, attr LOWER);
* ``lemmas`` are expanded into every lower-cased form that spaCy's English lookup table maps to
  the lemma ("wait" → wait, waits, waited, waiting) and matched like phrases, so "Waited" and
  "WAITING" match without depending on the (case-sensitive) lookup lemmatizer;
* ``tokens`` are spaCy Matcher patterns (slower: use them only where phrases cannot do).

For the batch engine (``add_codebooks(..., write_spans=False)``) the codebooks are compiled
into one component instead, ``cx_codebook_rulers`` (:class:`FusedRulers`): one PhraseMatcher
pass over each Doc for every codebook, the same match tuples, no span groups.

A last component, ``cx_codebook_info``, stores which codebooks were compiled on
``doc._.cx_codebooks`` so that :func:`tag_rows` can turn spans into ``tags`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import registry

from cxaudit.clues import _rules
from cxaudit.clues._rules import lemma_forms
from cxaudit.clues.codebook import Codebook, codebook_ref, load_codebook
from cxaudit.nlp import build_pipeline, reset_tokenizer_cache
from cxaudit.nlp.lexicon import doc_layout, ext_key, pattern_docs
from cxaudit.schemas import SENTENCES, TAGS, conform, validate

__all__ = ["add_codebooks", "tag_rows", "tag_tuples", "CodebookRuler", "FusedRulers", "tag", "ruler_name", "spans_key", "codebook_patterns",
           "codebook_excludes"]

INFO_PIPE = "cx_codebook_info"
_K_CODEBOOKS = ext_key("cx_codebooks")


def ruler_name(codebook_name: str) -> str:
    """Name of the ruler component compiled from a codebook."""
    return f"cx_ruler_{codebook_name}"


def spans_key(codebook_name: str) -> str:
    """Key of ``doc.spans`` holding a codebook's matches."""
    return f"cx_{codebook_name}"


def codebook_patterns(codebook: Codebook) -> list[dict]:
    """SpanRuler patterns ``{"label": code id, "pattern": …, "id": codebook name}`` of a codebook.

    Phrases are lower-cased; each lemma contributes one phrase per inflected form; token
    patterns are passed through. Duplicate phrase patterns of a code are dropped.
    """
    patterns: list[dict] = []
    for code in codebook.codes:
        phrases = {p.lower() for p in code.phrases}
        for lemma in code.lemmas:
            phrases.update(lemma_forms(lemma))
        patterns.extend({"label": code.id, "pattern": p, "id": codebook.name} for p in sorted(phrases))
        patterns.extend({"label": code.id, "pattern": [dict(t) for t in tok], "id": codebook.name}
                        for tok in code.tokens)
    return patterns


def codebook_excludes(codebook: Codebook) -> list[dict]:
    """Word-sense guards of a codebook, ``{"label": code id, "pattern": phrase or token pattern,
    "id": codebook name}``: a match of the code sharing a token with one of them is dropped."""
    out: list[dict] = []
    for code in codebook.codes:
        for pattern in code.exclude:
            pat = pattern.lower() if isinstance(pattern, str) else [dict(t) for t in pattern]
            out.append({"label": code.id, "pattern": pat, "id": codebook.name})
    return out


RULER_FACTORY = "cx_codebook_ruler"


@Language.factory(RULER_FACTORY, assigns=["doc.spans"],
                  default_config={"spans_key": "cx_codes", "codebook": "", "spans_filter": None,
                                  "write_spans": True})
def make_codebook_ruler(nlp: Language, name: str, spans_key: str, codebook: str,
                        spans_filter: dict | None, write_spans: bool) -> "CodebookRuler":
    """Factory of the component compiled from one codebook (see :class:`CodebookRuler`)."""
    return CodebookRuler(nlp, name, spans_key=spans_key, codebook=codebook, spans_filter=spans_filter,
                         write_spans=write_spans)


class CodebookRuler:
    """One codebook's patterns → the span group ``doc.spans[spans_key]``.

    Same output as spaCy's ``span_ruler`` with ``phrase_matcher_attr="LOWER"`` and
    ``overwrite=True`` (one span per distinct (start, end, code), sorted as spaCy sorts
    spans, ``label_`` = code id, ``id_`` = codebook name), without its per-Doc Python
    overhead: no Matcher call when the codebook has no token patterns, no warnings
    context, match ids that are the code ids themselves. Beside the span group it
    caches the matches as tuples for :func:`tag_rows` (measured reason: docs/clues.md).
    With ``write_spans=False`` (the batch engine, which reads only the tuples) no
    ``Span`` objects or span group are made at all: ``doc.spans`` stays empty.
    """

    def __init__(self, nlp: Language, name: str, *, spans_key: str, codebook: str = "",
                 spans_filter: dict | None = None, write_spans: bool = True):
        self.nlp = nlp
        self.name = name
        self.key = spans_key
        self.codebook = codebook
        self.spans_filter = None
        self.write_spans = bool(write_spans)
        if spans_filter is not None:
            self.spans_filter = registry.resolve({"f": spans_filter})["f"]
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher = Matcher(nlp.vocab)
        self.patterns: list[dict] = []
        self._codes: dict[int, str] = {}
        self.excludes: list[dict] = []
        self._exclude_phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._exclude_tokens = Matcher(nlp.vocab)
        self._guarded_codes: set[int] = set()  # codes with a guard: the guard matchers run only when one matched
        self._token_guarded: set[int] = set()  # codes with a token-pattern guard (the costly Matcher)
        self._cache_key = ("cx_matches", spans_key)

    def add_patterns(self, patterns: Sequence[dict], *, shared: tuple | None = None) -> None:
        """Add ``{"label": code id, "pattern": str or token pattern, "id": codebook}`` patterns.

        ``shared`` is ``(phrase matcher, routes, index)`` of a :class:`FusedRulers`: the phrase
        patterns go into that one matcher under ``"<codebook>\\x1f<code>"``, and ``routes`` maps
        that key's hash to ``(index, code hash)``."""
        phrases: dict[str, list[str]] = {}
        for entry in patterns:
            label, pattern = str(entry["label"]), entry["pattern"]
            if entry.get("id", self.codebook) != self.codebook:
                raise ValueError(f"{self.name}: pattern id {entry.get('id')!r} is not the codebook {self.codebook!r}")
            if isinstance(pattern, str):
                phrases.setdefault(label, []).append(pattern)
            elif isinstance(pattern, list):
                self.matcher.add(label, [pattern])
            else:
                raise ValueError(f"{self.name}: code {label!r}: expected a phrase (str) or a token pattern "
                                 f"(list of dicts); found {type(pattern).__name__}")
            self._codes[self.nlp.vocab.strings.add(label)] = label
            self.patterns.append(dict(entry))
        strings = self.nlp.vocab.strings
        for label, texts in phrases.items():
            docs = pattern_docs(self.nlp, texts)  # "face id" also as "FACE ID": "id" alone splits as "i" "d"
            if shared is None:
                self.phrase_matcher.add(label, docs)
                continue
            matcher, routes, index = shared
            key = f"{self.codebook}\x1f{label}"
            matcher.add(key, docs)
            routes[strings.add(key)] = (index, strings.add(label))
        strings.add(self.codebook)

    def add_excludes(self, patterns: Sequence[dict]) -> None:
        """Add word-sense guards ``{"label": code id, "pattern": phrase or token pattern, …}``:
        a match of the code that shares a token with a match of a guard is dropped."""
        phrases: dict[str, list[str]] = {}
        for entry in patterns:
            label, pattern = str(entry["label"]), entry["pattern"]
            key = self.nlp.vocab.strings.add(label)
            if isinstance(pattern, str):
                phrases.setdefault(label, []).append(pattern.lower())
            else:
                self._exclude_tokens.add(label, [pattern])
                self._token_guarded.add(key)
            self._guarded_codes.add(key)
            self.excludes.append(dict(entry))
        for label, texts in phrases.items():
            self._exclude_phrases.add(label, pattern_docs(self.nlp, texts))

    def _guarded(self, doc: Doc, unique: list[tuple]) -> list[tuple]:
        """``unique`` (start, end, code hash) without the matches a guard of their code overlaps."""
        found = list(self._exclude_phrases(doc)) if len(self._exclude_phrases) else []
        if self._token_guarded and any(u[2] in self._token_guarded for u in unique):
            found += [m for m in self._exclude_tokens(doc) if m[1] != m[2]]
        if not found:
            return unique
        guards: dict[int, list[tuple[int, int]]] = {}
        for m, s, e in found:
            guards.setdefault(m, []).append((s, e))
        return [u for u in unique if not any(gs < u[1] and u[0] < ge for gs, ge in guards.get(u[2], ()))]

    def __call__(self, doc: Doc) -> Doc:
        matches = self.phrase_matcher(doc)
        if len(self.matcher):
            matches = list(matches) + [m for m in self.matcher(doc) if m[1] != m[2]]
        return self.finish(doc, {(s, e, m) for m, s, e in matches})

    def finish(self, doc: Doc, found: set[tuple[int, int, int]], offsets: list | None = None) -> Doc:
        """Write the matches ``found`` ((start, end, code hash) of the phrase and token patterns)
        after the word-sense guards: the span group and/or the match tuples. ``offsets`` are
        the Doc's ``[idx, length]`` lists when the caller has them already."""
        codes = self._codes
        unique = sorted(found)
        if self._guarded_codes and any(u[2] in self._guarded_codes for u in unique):
            unique = self._guarded(doc, unique)
        if self.write_spans or self.spans_filter is not None:
            book = self.nlp.vocab.strings.as_int(self.codebook)
            spans = [Span(doc, s, e, label=m, span_id=book) for s, e, m in unique]
            if self.spans_filter is not None:
                spans = list(self.spans_filter([], spans))
                unique = [(sp.start, sp.end, sp.label) for sp in spans]
            if self.write_spans:
                doc.spans[self.key] = spans
                group = doc.spans[self.key]
            else:
                group = None
            tuples = [(sp.start, sp.end, sp.start_char, sp.end_char, codes[m]) for sp, (_, _, m) in zip(spans, unique)]
        else:
            group, tuples = None, []
            if unique:  # character offsets from one array call instead of a Span per match
                idx, length = offsets if offsets is not None else doc.to_array([IDX, LENGTH]).T.tolist()
                tuples = [(s, e, idx[s], idx[e - 1] + length[e - 1], codes[m]) for s, e, m in unique]
        doc.user_data[self._cache_key] = (group, tuples)
        return doc


FUSED_PIPE = "cx_codebook_rulers"


@Language.factory(FUSED_PIPE, assigns=["doc.spans"], default_config={})
def make_fused_rulers(nlp: Language, name: str) -> "FusedRulers":
    """Factory of the component holding every codebook's ruler for the batch engine (see :class:`FusedRulers`)."""
    return FusedRulers(nlp, name)


class FusedRulers:
    """Several codebooks' rulers in one component, with one PhraseMatcher pass over the Doc for all
    of them: what ``add_codebooks(..., write_spans=False)`` (the batch engine) compiles instead of one
    ``cx_ruler_<codebook>`` component per codebook. Each codebook keeps its own :class:`CodebookRuler`
    (token patterns, word-sense guards, the match tuples it caches for :func:`tag_tuples`); only the
    phrase matching, the token offsets and the per-component dispatch are shared. The match tuples
    are those of the separate rulers (measured reason: docs/scaling.md)."""

    def __init__(self, nlp: Language, name: str):
        self.nlp = nlp
        self.name = name
        self.phrase_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.rulers: list[CodebookRuler] = []
        self._routes: dict[int, tuple[int, int]] = {}  # phrase match id -> (ruler index, code hash)

    @property
    def codebooks(self) -> list[str]:
        """Names of the codebooks compiled here, in order."""
        return [ruler.codebook for ruler in self.rulers]

    def add_codebook(self, codebook: str, patterns: Sequence[dict], excludes: Sequence[dict] = ()) -> None:
        """Compile one codebook's patterns and word-sense guards (as :func:`codebook_patterns` and
        :func:`codebook_excludes` give them)."""
        if codebook in self.codebooks:
            raise ValueError(f"{self.name}: codebook {codebook!r} is compiled already")
        ruler = CodebookRuler(self.nlp, ruler_name(codebook), spans_key=spans_key(codebook), codebook=codebook,
                              write_spans=False)
        ruler.add_patterns(patterns, shared=(self.phrase_matcher, self._routes, len(self.rulers)))
        if excludes:
            ruler.add_excludes(excludes)
        self.rulers.append(ruler)

    def __call__(self, doc: Doc) -> Doc:
        rulers = self.rulers
        found: list[set] = [set() for _ in rulers]
        routes = self._routes
        for match_id, start, end in self.phrase_matcher(doc):
            index, code = routes[match_id]
            found[index].add((start, end, code))
        offsets = None
        for ruler, matches in zip(rulers, found):
            if len(ruler.matcher):
                matches.update((s, e, m) for m, s, e in ruler.matcher(doc) if s != e)
            if matches and offsets is None:
                offsets = doc.to_array([IDX, LENGTH]).T.tolist()
            ruler.finish(doc, matches, offsets)
        return doc


def _code_info(codebook: Codebook) -> dict[str, tuple[str, str | None, bool]]:
    """{code id: (clue_type, default touchpoint, a mention with no judgement is a complaint)}."""
    return {c.id: (c.clue_type, c.touchpoint, c.unjudged == "negative") for c in codebook.codes}


@Language.factory(INFO_PIPE, default_config={"codebooks": []}, assigns=["doc._.cx_codebooks"])
def make_codebook_info(nlp: Language, name: str, codebooks: list[str]) -> "CodebookInfo":
    """Factory of the component recording the compiled codebooks on each Doc."""
    return CodebookInfo(codebooks)


class CodebookInfo:
    """Sets ``doc._.cx_codebooks``: {codebook name: {code id: (clue_type, default touchpoint, unjudged cost)}}."""

    def __init__(self, codebooks: Sequence[str]):
        self.refs = list(codebooks)
        self.info = {}
        for ref in self.refs:
            cb = load_codebook(ref)
            self.info[cb.name] = _code_info(cb)

    def __call__(self, doc: Doc) -> Doc:
        doc.user_data[_K_CODEBOOKS] = self.info  # == doc._.cx_codebooks = …, without building doc._
        return doc


if not Doc.has_extension("cx_codebooks"):
    Doc.set_extension("cx_codebooks", default=None)


def add_codebooks(nlp: Language, codebooks: Iterable[Codebook | str], *, spans_filter: dict | None = None,
                  write_spans: bool = True) -> None:
    """Compile ``codebooks`` (objects, bundled names or paths) into ruler components
    (:class:`CodebookRuler`, one per codebook) appended to ``nlp``; a codebook already
    compiled is replaced.

    ``spans_filter`` is an optional registered spans filter (as for spaCy's SpanRuler), e.g.
    ``{"@misc": "spacy.first_longest_spans_filter.v1"}``; the default keeps every overlapping span.
    ``write_spans=False`` leaves ``doc.spans`` empty and keeps only the match tuples that
    :func:`tag_rows`/:func:`tag_tuples` read (faster; for batch processing); without a
    ``spans_filter`` every codebook is then compiled into the one :class:`FusedRulers`
    component ``cx_codebook_rulers`` (one phrase matching pass for all codebooks).
    """
    books = [load_codebook(cb) for cb in codebooks]
    refs: dict[str, str] = {}
    if INFO_PIPE in nlp.pipe_names:
        for ref in nlp.get_pipe(INFO_PIPE).refs:
            refs[load_codebook(ref).name] = ref
        nlp.remove_pipe(INFO_PIPE)
    names = {cb.name for cb in books}
    kept: list[tuple[str, list, list]] = []  # codebooks of a fused component that stay compiled
    if FUSED_PIPE in nlp.pipe_names:
        kept = [(r.codebook, r.patterns, r.excludes) for r in nlp.get_pipe(FUSED_PIPE).rulers if r.codebook not in names]
        nlp.remove_pipe(FUSED_PIPE)
    for cb in books:
        if ruler_name(cb.name) in nlp.pipe_names:
            nlp.remove_pipe(ruler_name(cb.name))
    if not write_spans and spans_filter is None:  # the batch engine: one phrase matching pass for all codebooks
        fused = nlp.add_pipe(FUSED_PIPE)
        for book, patterns, excludes in kept:
            fused.add_codebook(book, patterns, excludes)
        for cb in books:
            fused.add_codebook(cb.name, codebook_patterns(cb), codebook_excludes(cb))
            refs[cb.name] = codebook_ref(cb)
        books, kept = [], []
    compiled = [(book, patterns, excludes) for book, patterns, excludes in kept]  # a fused component's, split up
    compiled += [(cb.name, codebook_patterns(cb), codebook_excludes(cb)) for cb in books]
    for book, patterns, excludes in compiled:
        config: dict[str, Any] = {"spans_key": spans_key(book), "codebook": book, "spans_filter": spans_filter,
                                  "write_spans": write_spans}
        ruler = nlp.add_pipe(RULER_FACTORY, name=ruler_name(book), config=config)
        ruler.add_patterns(patterns)
        if excludes:
            ruler.add_excludes(excludes)
    for cb in books:
        refs[cb.name] = codebook_ref(cb)
    nlp.add_pipe(INFO_PIPE, config={"codebooks": list(refs.values())})
    reset_tokenizer_cache(nlp)  # compiling the patterns filled the tokenizer's cache with their forms


def tag_rows(doc: Doc, sentence_rows: Sequence[dict], doc_id: str, *,
             touchpoints_codebook: str = "touchpoints") -> list[dict]:
    """Rows of the ``tags`` table for one turn ``doc`` that went through a pipeline with
    :func:`add_codebooks`.

    ``sentence_rows`` are the turn's ``sentences`` rows (dicts with sentence_id, start_char,
    end_char relative to the turn, mode). Returned dicts have the TAGS columns; their
    start_char/end_char index the sentence text. See ``docs/clues.md`` for touchpoint
    attachment, valence and confidence.
    """
    return _rules.rows_for_doc(doc, sentence_rows, doc_id, _info(doc),
                               key_of=spans_key, touchpoints_codebook=touchpoints_codebook)


def tag_tuples(doc: Doc, sentences: Sequence[tuple], doc_id: str, *, text: str | None = None,
               touchpoints_codebook: str = "touchpoints") -> list[tuple]:
    """:func:`tag_rows` for the batch engine: ``sentences`` are the turn's rows as tuples in
    SENTENCES column order (``cxaudit.analyze.turn_tuples``), ``text`` the turn text when
    known; returns tuples in TAGS column order (same values as :func:`tag_rows`)."""
    info = _info(doc)
    bounds, n_alpha = doc_layout(doc)[:2]
    kept = [b for b, a in zip(bounds, n_alpha) if a]  # the sentences turn_tuples made rows of
    if len(kept) == len(sentences) and all(doc[b[0]].idx == r[4] for b, r in zip(kept, sentences)):
        refs = [(r[0], r[4], r[5], r[8] or "other", r[3], b) for r, b in zip(sentences, kept)]
    else:
        refs = [(r[0], r[4], r[5], r[8] or "other", r[3]) for r in sentences]
    return _rules.tuples_for_doc(doc, refs, doc_id, info, key_of=spans_key,
                                 touchpoints_codebook=touchpoints_codebook, text=text)


def _info(doc: Doc) -> dict:
    info = doc.user_data.get(_K_CODEBOOKS)
    if info is None:
        raise ValueError("tag_rows: this Doc was not processed by a pipeline with cxaudit codebooks; "
                         "call cxaudit.clues.tagger.add_codebooks(nlp, [...]) first")
    return info


def _turn_groups(sentences: pd.DataFrame) -> list[tuple[str, list[dict]]]:
    """Rebuild turn texts from sentences: [(turn text, sentence rows)], one per (doc_id, turn_id).

    When turn ids or offsets are missing or overlap, each sentence is its own turn.
    """
    cols = {"turn_id", "start_char", "end_char"}
    records = sentences.to_dict("records")
    for r in records:
        r.setdefault("mode", "other")
        if r.get("mode") is None or pd.isna(r.get("mode")):
            r["mode"] = "other"
    if not cols <= set(sentences.columns) or sentences[list(cols)].isna().any().any():
        return [(r["text"], [{**r, "start_char": 0, "end_char": len(r["text"])}]) for r in records]
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault((r["doc_id"], r["turn_id"]), []).append(r)
    out = []
    for rows in groups.values():
        rows = sorted(rows, key=lambda r: r["start_char"])
        ok = all(int(r["end_char"]) - int(r["start_char"]) == len(r["text"]) for r in rows) and all(
            int(a["end_char"]) <= int(b["start_char"]) for a, b in zip(rows, rows[1:]))
        if not ok:
            out.extend((r["text"], [{**r, "start_char": 0, "end_char": len(r["text"])}]) for r in rows)
            continue
        chars = [" "] * int(rows[-1]["end_char"])
        for r in rows:
            chars[int(r["start_char"]):int(r["end_char"])] = r["text"]
        out.append(("".join(chars), rows))
    return out


def tag(sentences: pd.DataFrame, codebooks: Iterable[Codebook | str], *, model: str = "auto",
        nlp: Language | None = None, batch_size: int = 256) -> pd.DataFrame:
    """Tag a ``sentences`` table with ``codebooks``; returns a validated TAGS table.

    ``sentences`` needs sentence_id, doc_id and text; mode defaults to "other". When turn_id,
    start_char and end_char are present, sentences of a turn are tagged together so that a
    touchpoint in another sentence of the turn can be attached. ``nlp`` defaults to
    cxaudit's pipeline for ``model`` (:func:`cxaudit.nlp.build_pipeline`); the codebooks are
    compiled into it when missing. Rows come from the run's row builder
    (:func:`cxaudit.clues._rules.tuples_for_doc`); for turns, :func:`cxaudit.analyze` gives the
    tags with the sentences in one pass.
    """
    missing = {"sentence_id", "doc_id", "text"} - set(sentences.columns)
    if missing:
        raise ValueError(f"tag: sentences table lacks column(s) {sorted(missing)}; found {list(sentences.columns)}")
    books = [load_codebook(cb) for cb in codebooks]
    nlp = nlp if nlp is not None else build_pipeline(model)
    if any(ruler_name(cb.name) not in nlp.pipe_names for cb in books):
        add_codebooks(nlp, books)
    known = {s.name for s in SENTENCES.columns}
    frame = sentences[[c for c in sentences.columns if c in known]]
    names = {cb.name for cb in books}
    rows: list[dict] = []
    for doc, s_rows in nlp.pipe(_turn_groups(frame), as_tuples=True, batch_size=batch_size):
        rows.extend(r for r in tag_rows(doc, s_rows, str(s_rows[0]["doc_id"])) if r["codebook"] in names)
    return validate(conform(pd.DataFrame(rows, columns=TAGS.names), TAGS), TAGS)
