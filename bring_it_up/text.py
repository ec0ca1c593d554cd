"""Plain-text helpers shared by the NLU components and the actions (no spaCy, no Rasa)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT = Path(__file__).resolve().parent.parent / "content"

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u00b4": "'", "`": "'"})
# What could still start a tag once the tags are gone: "<" before a letter, "/", "!" or "?"
# ("<3" and "a < b" are words, and stay).
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE = re.compile(r"\s+")
_REPEAT_VOWEL = re.compile(r"([aeiou])\1{2,}")
_REPEAT = re.compile(r"([a-z])\1{2,}")


@cache
def load_content(name: str) -> dict[str, Any]:
    """Load a reviewable data file from content/ (cached)."""
    with open(CONTENT / name, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return data or {}


def fingerprint(paths: Iterable[Path]) -> str:
    """One digest of the files' bytes: what a trained component was trained from."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


# A tag, comment or declaration, however long ("<img" + 250 spaces + "onerror=...>"). It
# stops at the next "<" so that the scan stays linear on any input; Python's html.parser
# takes minutes on 200,000 characters of "<a " (measured), so it is not used here.
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*>")


def strip_markup(text: str) -> str:
    """`text` with its tags removed, and no "<" left that could begin one: whatever a
    clinic's viewer does with the client's words, or with two of them joined, it finds no
    markup in them ("<3" and "a < b" stay as they are)."""
    if "<" not in text:
        return text
    return _TAG_START.sub(" ", _TAG.sub(" ", text))


def _invisible(char: str) -> bool:
    """Zero-width and direction-changing characters (Unicode's "format" class: U+200B,
    U+202E, U+2066...), which can hide or reverse text."""
    return unicodedata.category(char) == "Cf"


def clean(text: str) -> str:
    """The client's words made safe to keep: compatibility forms folded (NFKC: "／" is
    "/"), no markup, no control, zero-width or direction characters, tidy spaces.

    Curly apostrophes become straight ones; everything else the client wrote is kept.
    """
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    if not text.isascii():
        text = "".join(c for c in text if not _invisible(c))
    text = strip_markup(text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _textspeak() -> dict[str, str]:
    return load_content("normalization.yml").get("replace", {})


def first_words() -> dict[str, str]:
    """Text-speak read differently at the start of a sentence ("ya thats it": "yeah")."""
    return load_content("normalization.yml").get("first_word", {})


def normalize(text: str) -> str:
    """Lower-case, straight quotes, repeated letters folded, text-speak and common
    misspellings expanded. Used for understanding only; never shown to the client."""
    text = clean(text).lower()
    text = _REPEAT_VOWEL.sub(r"\1", text)  # "diiie" -> "die", "sooo" -> "so"
    text = _REPEAT.sub(r"\1\1", text)  # "killll" -> "kill"
    words = re.findall(r"[\w'-]+|[^\w\s]", text)
    table, first = _textspeak(), first_words()
    expanded = [first.get(w, table.get(w, w)) if i == 0 or words[i - 1] in ".!?" else table.get(w, w)
                for i, w in enumerate(words)]
    joined = " ".join(expanded)
    for phrase, replacement in load_content("normalization.yml").get("phrases", {}).items():
        joined = re.sub(rf"\b{re.escape(phrase)}\b", replacement, joined)
    return re.sub(r" (?=[.,!?;:])", "", joined)


# (not after "e.g." or "i.e.", and not after a title: "Dr. Patel")
_SENTENCE_END = re.compile(r"(?<=[.!?]['\"\u2019\u201d])\s+|(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bDr\.)(?<!\bMr\.)"
                           r"(?<!\bMs\.)(?<!\bMrs\.)(?<!\bMx\.)(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of a text, each with its end mark (and a closing quote after it)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip(" .!?")]


def pieces(text: str, words_per_piece: int = 60, overlap: int = 12) -> list[str]:
    """A long message as sentence-sized pieces to screen one by one, each only once: a
    run-on sentence is cut every `words_per_piece` words, overlapping by `overlap` so that
    no phrase is cut in two."""
    seen: dict[str, None] = {}
    for sentence in re.split(r"(?<=[.!?;\n])\s+", text):
        words = sentence.split()
        for start in range(0, max(len(words), 1), words_per_piece):
            piece = " ".join(words[max(start - overlap, 0):start + words_per_piece])
            if piece:
                seen.setdefault(piece, None)
    return list(seen)
