"""DIET's TensorFlow graph is called directly.

Rasa calls DIET's compiled prediction step (a `tf.function` with a fixed input signature) once a
message, and TensorFlow then checks and converts the inputs against the signature in Python
before running the graph: ~0.8 ms of CPU a call, more than half the graph's own run. The graph
for that signature is taken once (`get_concrete_function`) and called with the batch's arrays as
tensors when they have the signature's types and shapes (else Rasa's call is used, as before).
Uses TensorFlow's private `ConcreteFunction._call_flat`: written for TF 2.12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

from service.rasa_patches import Patch

rasa_tf_predict = RasaModel._rasa_predict
_concrete_graphs: dict[int, tuple[Any, Any, list[tuple[np.dtype, int, int | None]]]] = {}


def _signature(step: Any) -> tuple[Any, list[tuple[np.dtype, int, int | None]]]:
    """The graph behind a `tf.function` with an input signature, and what each input must
    be: its dtype, rank and (for a rank above 1) its last dimension."""
    found = _concrete_graphs.get(id(step))
    if found is None or found[0] is not step:
        graph = step.get_concrete_function()
        specs = tf.nest.flatten(graph.structured_input_signature[0])
        needs = [(spec.dtype.as_numpy_dtype, spec.shape.rank,
                  spec.shape[-1] if spec.shape.rank > 1 else None) for spec in specs]
        found = _concrete_graphs[id(step)] = (step, graph, needs)
    return found[1], found[2]


def _fits(batch_in: Any, needs: list[tuple[np.dtype, int, int | None]]) -> bool:
    return len(batch_in) == len(needs) and all(
        isinstance(array, np.ndarray) and array.dtype == dtype and array.ndim == rank
        and (last is None or array.shape[-1] == last)
        for array, (dtype, rank, last) in zip(batch_in, needs, strict=True))


def _rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
    """Rasa's prediction with the compiled graph called directly once it exists."""
    step = self._tf_predict_step
    if (step is None or self._run_eagerly or self._training is not False
            or not self.prepared_for_prediction):
        return rasa_tf_predict(self, batch_in)  # the first call compiles the graph
    graph, needs = _signature(step)
    if not _fits(batch_in, needs):
        return rasa_tf_predict(self, batch_in)
    outputs = graph._call_flat([tf.constant(array) for array in batch_in], graph.captured_inputs)
    outputs = tf_utils.sync_to_numpy_or_python_type(outputs)
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def apply() -> None:
    RasaModel._rasa_predict = _rasa_predict  # type: ignore[method-assign]


PATCH = Patch(
    name="diet", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.utils.tensorflow.models:RasaModel._rasa_predict": "7f745b0f9cb6"},
    written_for={"rasa": "3.6.21", "tensorflow": "2.12.0", "keras": "2.12.0"},
    proven_by="tests/conversations/test_graph.py::test_diet_graph_called_directly_predicts_as_tensorflow_does",
    apply=apply)
