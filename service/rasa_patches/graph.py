"""Rasa's graphs run without Dask.

Every message runs the NLU graph and every prediction the policy graph (three or four a turn);
for each run Rasa worked out the graph's needed part again and handed it to Dask's scheduler,
whose bookkeeping cost more than some of the nodes (~8 % of the server's CPU with the parse and
predictions). The needed part is built once per set of targets and its nodes called parents
first, each once, with the same inputs and outputs.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

from service.rasa_patches import Patch

rasa_run_graph = DaskGraphRunner.run
_GRAPHS = "_bring_it_up_graphs"


def _run_graph(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
               targets: list[str] | None = None) -> dict[str, Any]:
    """Rasa's `DaskGraphRunner.run` without Dask: the same graph (built once per set of
    targets instead of on every run), each node called once with its parents' outputs, in
    an order where every parent runs first."""
    run_targets = targets if targets else self._graph_schema.target_names
    built = self.__dict__.setdefault(_GRAPHS, {})
    key = tuple(run_targets)
    if key not in built:
        built[key] = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
    graph = dict(built[key])
    if inputs:
        self._add_inputs_to_graph(inputs, graph)
    done: dict[str, Any] = {}

    def result(name: str) -> Any:
        if name not in done:
            task = graph[name]
            # an input is a (name, value) pair, as Dask hands on a tuple that is no task
            done[name] = task[0](*(result(parent) if parent in graph else parent
                                   for parent in task[1:])) if callable(task[0]) else task
        return done[name]

    try:
        return dict(result(target) for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def apply() -> None:
    DaskGraphRunner.run = _run_graph  # type: ignore[method-assign]


PATCH = Patch(
    name="graph", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.engine.runner.dask:DaskGraphRunner.run": "45f0f52f574f"},
    relies_on={"rasa.engine.runner.dask:DaskGraphRunner._build_dask_graph": "5bb99f974d51",
              "rasa.engine.runner.dask:DaskGraphRunner._add_inputs_to_graph": "d04a0ca2df62"},
    written_for={"rasa": "3.6.21"},
    proven_by="tests/conversations/test_graph.py::test_the_policy_graph_predicts_as_with_dask",
    apply=apply)
