"""Plain-text helpers shared by the NLU components and the actions (no spaCy, no Rasa)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

CONTENT = Path(__file__).resolve().parent.parent / "content"

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u00b4": "'", "`": "'"})
_TAG = re.compile(r"</?[A-Za-z!?][^<>]{0,200}>")  # a tag, not "<3" or "a < b"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_REPEAT_VOWEL = re.compile(r"([aeiou])\1{2,}")
_REPEAT = re.compile(r"([a-z])\1{2,}")


@cache
def load_content(name: str) -> dict[str, Any]:
    """Load a reviewable data file from content/ (cached)."""
    with open(CONTENT / name, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return data or {}


def clean(text: str) -> str:
    """The client's words made safe to keep: no markup, no control characters, tidy spaces.

    Curly apostrophes become straight ones; everything else the client wrote is kept.
    """
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    text = _TAG.sub(" ", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _textspeak() -> dict[str, str]:
    return load_content("normalization.yml").get("replace", {})


def normalize(text: str) -> str:
    """Lower-case, straight quotes, repeated letters folded, text-speak and common
    misspellings expanded. Used for understanding only; never shown to the client."""
    text = clean(text).lower()
    text = _REPEAT_VOWEL.sub(r"\1", text)  # "diiie" -> "die", "sooo" -> "so"
    text = _REPEAT.sub(r"\1\1", text)  # "killll" -> "kill"
    words = re.findall(r"[\w'-]+|[^\w\s]", text)
    table = _textspeak()
    expanded = [table.get(w, w) for w in words]
    joined = " ".join(expanded)
    for phrase, replacement in load_content("normalization.yml").get("phrases", {}).items():
        joined = re.sub(rf"\b{re.escape(phrase)}\b", replacement, joined)
    return re.sub(r" (?=[.,!?;:])", "", joined)
