"""DIET's weights are built by one eager training step when a model is loaded, not a compiled one.

To give a loaded model its variables, Rasa trains it on one example and then overwrites every
weight from the saved model. It runs that step through Keras' compiled `fit`, so TensorFlow
traces DIET's whole training graph (loss, gradients, optimizer) once per server start, to run it
once and throw it away: ~19 s of the ~32 s a model takes to load here. The same step run eagerly
creates the same variables (model and optimizer) in ~1.6 s; the saved weights are then loaded
as before, and prediction is compiled as before (`run_eagerly` is set back before it).
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel, logger

from service.rasa_patches import Patch

rasa_load = RasaModel.load.__func__  # type: ignore[attr-defined]


def _load(cls: type[RasaModel], model_file_name: str, model_data_example: RasaModelData,
          predict_data_example: RasaModelData | None = None, finetune_mode: bool = False,
          *args: Any, **kwargs: Any) -> RasaModel:
    """Rasa's `RasaModel.load`, with the one training step that builds the weights eager."""
    logger.debug(f"Loading the model from {model_file_name} with finetune_mode={finetune_mode}...")
    model = cls(*args, **kwargs)
    learning_rate = kwargs.get("config", {}).get(LEARNING_RATE, 0.001)
    run_eagerly = kwargs.get("config", {}).get(RUN_EAGERLY)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=True)
    model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
    model._run_eagerly = run_eagerly  # what Rasa's compile set: prediction compiles as before
    model.load_weights(model_file_name)
    if not finetune_mode and predict_data_example:
        model.run_inference(predict_data_example)
    logger.debug("Finished loading the model.")
    return model


def apply() -> None:
    RasaModel.load = classmethod(_load)  # type: ignore[method-assign,assignment]


PATCH = Patch(
    name="diet_load", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.utils.tensorflow.models:RasaModel.load": "84fd81c0fdd0"},
    written_for={"rasa": "3.6.21", "tensorflow": "2.12.0", "keras": "2.12.0"},
    proven_by="tests/conversations/test_graph.py::test_diet_loaded_with_an_eager_first_step_is_rasa_s_model",
    apply=apply)
