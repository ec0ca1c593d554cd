"""Compose the client's message from their answers (pure: no Rasa, no spaCy).

Input is a mapping of section -> (form, text), where form is "clause", "fragment", "cue"
or "none" (see content/draft_templates.yml) and text is already the client's own words in
second person. Output is the draft payload the widget receives:
{"type": "draft", "text": ..., "sections": {...}, "tone": ...}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

from bring_it_up import realise
from bring_it_up.text import load_content, sentences, strip_markup

TONES = ("gentle", "direct", "brief")
Part = tuple[str, str]  # (form, text)


def _lower_first(text: str) -> str:
    if text.startswith(("I ", "I'")) or not text:
        return text
    return text[0].lower() + text[1:]


def _no_period(text: str) -> str:
    return text.rstrip(" .")


def _says_when(text: str) -> bool:
    """"...the drinking since", "At the time I went quiet": the answer already says when."""
    low = " " + text.lower()
    leads = realise.time_leads()
    return " since" in low or any(low.startswith(f" {lead} ") or low.startswith(f" {lead},")
                                  for lead in leads)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters["lower_first"] = _lower_first
    env.filters["no_period"] = _no_period
    env.filters["says_when"] = _says_when
    return env


@cache  # the templates of content/draft_templates.yml, compiled once each
def _template(source: str) -> Template:
    return _env().from_string(source)


def templates() -> dict[str, Any]:
    return load_content("draft_templates.yml")


def _render(template: str, text: str = "") -> str:
    rendered = _template(template).render(text=text)
    return re.sub(r"\s+", " ", rendered).strip()


def _section(tone: dict[str, Any], name: str, part: Part | None, kind: str = "default") -> str:
    spec = tone[name]
    if isinstance(spec, str):  # opener and closing are fixed sentences...
        return _render(spec)
    if "default" in spec:  # ...or one for each kind of rupture
        return _render(spec.get(kind) or spec["default"])
    if part is None:
        return ""
    form, text = part
    if form == "none":
        return _render(spec["none"]) if "none" in spec else ""
    text = text.strip()
    if not text:
        return ""
    template = spec.get(form) or spec["clause"]
    return _render(template, text)


def _words(text: str) -> set:
    return set(re.findall(r"[a-z']+", text.lower()))


def compose(
    parts: Mapping[str, Part],
    tone: str = "gentle",
    length: int = 0,
    overrides: Mapping[str, str] | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Build the draft. `length` 0 = full, 1 = shorter, 2 = shortest. `kind` (a rupture
    kind, or "ending") picks the opener and closing that fit.

    `overrides` are sections the client rewrote themselves (or took a suggestion for); they
    are used word for word, and an empty one leaves the section out.
    """
    config = templates()
    tone = tone if tone in TONES else "gentle"
    spec = config["tones"][tone]
    omit = set(config.get("brief_omits", [])) if tone == "brief" else set()
    if length >= 1:
        omit |= set(config["shorter_drops"])
    keep = set(config["shortest_keeps"]) if length >= 2 else set(config["order"])
    overrides = dict(overrides or {})

    sections: dict[str, str] = {}
    for name in config["order"]:
        if name in omit or name not in keep:
            continue
        if name in overrides:  # the client's own words; empty means they took it out
            if overrides[name].strip():
                sections[name] = overrides[name].strip()
            continue
        sentence = _section(spec, name, parts.get(name), kind or "default")
        if sentence:
            sections[name] = sentence

    # A feeling already named in the observation ("I felt hurt when you laughed") is not
    # said twice.
    feeling = parts.get("feeling")
    if "feeling" in sections and "feeling" not in overrides and feeling and "observation" in sections:
        if _words(feeling[1]) and _words(feeling[1]) <= _words(sections["observation"]):
            del sections["feeling"]

    # A sentence said in one section is not said again in the next ("Who says that." given
    # with what happened and again with the feeling).
    said: set[str] = set()
    for name in [n for n in config["order"] if n in sections and n not in overrides]:
        kept = []
        for sentence in sentences(sections[name]):
            key = re.sub(r"[^a-z' ]", "", sentence.lower()).strip()
            if key not in said or len(key.split()) < 2:
                kept.append(sentence)
            said.add(key)
        if kept:
            sections[name] = " ".join(kept)
        else:
            del sections[name]

    # Every piece was cleaned when it was stored; the whole is checked again, so that no two
    # pieces can make markup together in whatever shows the draft.
    sections = {name: strip_markup(sentence) for name, sentence in sections.items()}
    text = strip_markup(" ".join(sections[name] for name in config["order"] if name in sections))
    return {"type": "draft", "text": text, "sections": sections, "tone": tone}


def one_sentence(kind: str | None) -> str:
    """A single sentence to say out loud, for the kind of rupture."""
    lines = templates()["one_sentence"]
    return str(lines.get(kind or "default") or lines["default"])


def can_shorten(length: int) -> bool:
    return length < 2


def from_slots(slots: dict[str, Any]) -> dict[str, Any]:
    """The draft; its `parts` (the answers as sections) stay on the dict for coaching and
    are not sent to the client (`send_draft`)."""
    parts = realise.draft_parts(slots)
    kind = "ending" if realise.about_ending(slots) else slots.get("rupture_kind")
    if kind != "logistics" and kind != "ending" and slots.get("identity_involved") == "yes":
        kind = "identity"  # the client said who they are is part of it
    draft = compose(
        parts,
        tone=slots.get("tone") or "gentle",
        length=int(slots.get("draft_length") or 0),
        overrides=slots.get("section_overrides") or {},
        kind=kind,
    )
    return {**draft, "one_sentence": one_sentence(kind), "parts": parts}
