"""The safety screen finishes the NLU pipeline's parse instead of parsing again.

`SpacyNLP` parses each message without the dependency parser; the safety screen then parsed
the same text again with it (~10% of the server's CPU). `SpacyNLP`'s model now shares its
vocabulary with the screen's, and when the screen reads the very text `SpacyNLP` parsed (no
contraction to expand), it runs only the parser and the two steps after it on a copy (~0.4 ms
instead of ~1.8 ms): the same parse. spaCy's entity recognizer is not run: it has its own
network (~40% of a parse), and tokens, lemmas, tags and vectors are the same without it.
Installed for training as for serving (the one entry point), so a model never trains with
entities it is served without; a pipeline that reads spaCy's entities (`SpacyEntityExtractor`)
must turn this patch off.
"""

from __future__ import annotations

from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

from bring_it_up.language import SPACY_MODEL, load_nlp
from service.rasa_patches import Patch

rasa_load_spacy = SpacyNLP.load_model


def _load_spacy_sharing_vocab(spacy_model_name: str) -> SpacyModel:
    """Rasa's own load (no dependency parser), without entities, and sharing its vocabulary
    with the safety screen's model (see bring_it_up.safety.assess)."""
    if spacy_model_name != SPACY_MODEL:
        return rasa_load_spacy(spacy_model_name)
    import spacy

    language = spacy.load(spacy_model_name, vocab=load_nlp().vocab, disable=["parser", "ner"])
    return SpacyModel(model=language, model_name=spacy_model_name)


def apply() -> None:
    SpacyNLP.load_model = staticmethod(_load_spacy_sharing_vocab)  # type: ignore[method-assign]


PATCH = Patch(
    name="spacy_vocab", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.nlu.utils.spacy_utils:SpacyNLP.load_model": "2e68d488b5c7"},
    written_for={"rasa": "3.6.21", "spacy": "3.8.7"},
    proven_by="tests/unit/test_rasa_patches.py::test_the_safety_screen_s_finished_parse_is_a_whole_parse",
    apply=apply)
