"""The trained model's graphs give the same results without Dask (service/rasa_patches/graph.py
runs them itself): the NLU parse of messages and the policies' prediction on real trackers."""

from __future__ import annotations

import numpy as np
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER

from service.rasa_patches import diet, diet_load, graph
from tests.conversations.conftest import MODEL, Chat

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


def test_diet_loaded_with_an_eager_first_step_is_rasa_s_model(tmp_path, monkeypatch):
    """DIET loaded from the trained model with the weights built eagerly has every weight of
    the model Rasa's own load builds, and predicts the same numbers."""
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    built = {}

    def both(cls, model_file_name, model_data_example, predict_data_example=None, *args, **kwargs):
        built["rasa"] = diet_load.rasa_load(cls, model_file_name, model_data_example,
                                            predict_data_example, *args, **kwargs)
        built["ours"] = diet_load._load(cls, model_file_name, model_data_example,
                                        predict_data_example, *args, **kwargs)
        built["example"] = predict_data_example
        return built["ours"]

    monkeypatch.setattr(diet.RasaModel, "load", classmethod(both))
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path, MODEL)
    node = next(n for n in metadata.predict_schema.nodes.values() if n.uses is DIETClassifier)
    DIETClassifier.load({**DIETClassifier.get_default_config(), **node.config}, storage,
                        node.resource, ExecutionContext(metadata.predict_schema, metadata.model_id))
    ours, rasa = built["ours"], built["rasa"]
    assert [w.name for w in ours.weights] == [w.name for w in rasa.weights]
    assert len(ours.weights) > 10
    for mine, theirs in zip(ours.weights, rasa.weights, strict=True):
        assert np.array_equal(mine.numpy(), theirs.numpy()), mine.name
    assert ours._run_eagerly == rasa._run_eagerly  # prediction is compiled, as Rasa's is
    mine, theirs = ours.run_inference(built["example"]), rasa.run_inference(built["example"])
    assert mine.keys() == theirs.keys()
    for key in ("i_scores", "t_scores"):
        if key in theirs:
            assert np.array_equal(mine[key], theirs[key]), key
