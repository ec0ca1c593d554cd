"""The trained model's graphs give the same results without Dask (service/rasa_patches/graph.py
runs them itself): the NLU parse of messages and the policies' prediction on real trackers."""

from __future__ import annotations

import numpy as np
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

from service.rasa_patches import diet, graph
from tests.conversations.conftest import Chat

TEXTS = ["hi", "she looked at the clock while I talked about my divorce", "idk", "why do you ask?",
         "I want to kill myself", "hola, no hablo inglés", "make it more gentle", "skip", ""]


def test_the_nlu_graph_parses_as_with_dask(agent):
    processor = agent.processor
    runner = processor.graph_runner
    target = [processor.model_metadata.nlu_target]
    for text in TEXTS:
        ours, dask = ({PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: None}
                      for _ in range(2))
        got = runner.run(inputs=ours, targets=target)[target[0]][0]
        want = graph.rasa_run_graph(runner, inputs=dask, targets=target)[target[0]][0]
        assert got.get("intent") == want.get("intent"), text
        assert got.get("intent_ranking") == want.get("intent_ranking"), text
        assert got.get("entities") == want.get("entities"), text


def test_the_policy_graph_predicts_as_with_dask(agent, loop):
    processor = agent.processor
    runner = processor.graph_runner
    target = [processor.model_metadata.core_target]
    chat = Chat(agent, loop)
    for text in ["hi", "/consent_accept", "she laughed at me", "why do you ask?", "small"]:
        chat.say(text)
        tracker = chat.tracker()
        got = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=target)[target[0]]
        want = graph.rasa_run_graph(runner, inputs={PLACEHOLDER_TRACKER: tracker},
                                        targets=target)[target[0]]
        assert np.allclose(got.probabilities, want.probabilities), text
        assert got.policy_name == want.policy_name, text


def test_diet_graph_called_directly_predicts_as_tensorflow_does(agent, monkeypatch):
    """DIET's compiled graph called with the batch as tensors gives Rasa's outputs."""
    seen = []

    def recording(model, batch_in):
        seen.append((model, batch_in))
        return diet._rasa_predict(model, batch_in)

    monkeypatch.setattr(diet.RasaModel, "_rasa_predict", recording)
    processor = agent.processor
    target = [processor.model_metadata.nlu_target]
    for text in TEXTS + ["I'm scared she'll think I'm ungrateful and like me less", "x" * 400]:
        processor.graph_runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)],
                                           PLACEHOLDER_TRACKER: None}, targets=target)
    assert len(seen) >= len(TEXTS)
    for model, batch_in in seen:
        graph, needs = diet._signature(model._tf_predict_step)
        assert diet._fits(batch_in, needs)  # the direct call is the one taken
        direct = diet._rasa_predict(model, batch_in)
        rasa = diet.rasa_tf_predict(model, batch_in)
        assert direct.keys() == rasa.keys()
        for key in rasa:
            if isinstance(rasa[key], dict):
                for inner in rasa[key]:
                    assert np.array_equal(direct[key][inner], rasa[key][inner]), (key, inner)
            else:
                assert np.array_equal(direct[key], rasa[key]), key
