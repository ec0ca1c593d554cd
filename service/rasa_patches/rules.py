"""RulePolicy checks only the rules that can apply.

For every prediction it checked each of ~490 rule keys against each state of the *whole*
conversation. Now the rules are grouped by the action their last state needs, so only the group
of the conversation's last action (and rules naming none) is checked; it stops looking back at
the longest rule left, since every rule not ruled out by then applies; and what each rule's
states require is worked out once (reversed, JSON lists made tuples, empty values dropped)
instead of on every check. The keys it returns are Rasa's.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.generator import State
from rasa.shared.nlu.constants import ACTION_NAME

from service.rasa_patches import Patch

rasa_is_rule_applicable = RulePolicy._is_rule_applicable
rasa_get_possible_keys = RulePolicy._get_possible_keys


@functools.cache
def _reversed_rule_states(rule_key: str) -> tuple[State, ...]:
    return tuple(reversed(RulePolicy._rule_key_to_state(rule_key)))


@functools.cache
def _rule_checks(rule_key: str) -> tuple[tuple[bool, tuple[tuple[str, str, Any], ...]], ...]:
    """What each of a rule's states requires, last state first: whether it names a
    previous action, and the (state type, key, value) pairs it asks for (a value of
    SHOULD_NOT_BE_SET: must be unset). Values that ask for nothing are left out, and
    lists (JSON's tuples) are tuples again, once instead of on every check."""
    return tuple(
        (bool(state.get(PREVIOUS_ACTION)),
         tuple((state_type, key, tuple(value) if isinstance(value, list) else value)
               for state_type, sub_state in state.items() for key, value in sub_state.items()
               if value))
        for state in _reversed_rule_states(rule_key))


def _is_rule_applicable(self: RulePolicy, rule_key: str, turn_index: int,
                        conversation_state: State) -> bool:
    """Rasa's check (`_is_rule_applicable` and `_does_rule_match_state`), on the rule's
    requirements worked out once."""
    checks = _rule_checks(rule_key)
    if turn_index >= len(checks):
        return True
    names_action, wanted = checks[turn_index]
    has_action = bool(conversation_state.get(PREVIOUS_ACTION))
    if not names_action and not has_action:
        return True  # as Rasa's check: nothing more is compared
    if names_action != has_action:
        return False
    for state_type, key, value in wanted:
        found = conversation_state.get(state_type, {}).get(key)
        if value == SHOULD_NOT_BE_SET:
            if found and found != SHOULD_NOT_BE_SET:
                return False
        elif found != value:
            return False
    return True


def _last_action(state: State) -> Any:
    return state.get(PREVIOUS_ACTION, {}).get(ACTION_NAME)


def _keys_by_last_action(lookup: dict[str, str]) -> dict[Any, set[str]]:
    """The rule keys grouped by the action their last state requires (None: no action
    named, or one that must not be set). Kept with the lookup, which never changes."""
    found = _groups.get(id(lookup))
    if found is None or found[0] is not lookup:
        groups: dict[Any, set[str]] = {}
        for key in lookup:
            rule_states = _reversed_rule_states(key)
            action = _last_action(rule_states[0]) if rule_states else None
            groups.setdefault(None if action == SHOULD_NOT_BE_SET else action, set()).add(key)
        found = _groups[id(lookup)] = (lookup, groups)
    return found[1]


_groups: dict[int, tuple[dict[str, str], dict[Any, set[str]]]] = {}


def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]
                       ) -> set[str]:
    if not states:
        return set(lookup)
    groups = _keys_by_last_action(lookup)
    # A rule whose last state names another action than the conversation's last one
    # fails Rasa's check at once; only the others are checked.
    current = _last_action(states[-1])
    possible_keys = groups.get(None, set()) | (groups.get(current, set()) if current else set())
    for turn_index, state in enumerate(reversed(states)):
        reach = max((len(_reversed_rule_states(key)) for key in possible_keys), default=0)
        if turn_index >= reach:
            break  # every key left applies from here on (Rasa's check returns True)
        possible_keys = {key for key in possible_keys
                         if _is_rule_applicable(self, key, turn_index, state)}
    return possible_keys


def apply() -> None:
    RulePolicy._is_rule_applicable = _is_rule_applicable  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]


PATCH = Patch(
    name="rules", kind="speed", what=__doc__.split("\n")[0],
    replaces={"rasa.core.policies.rule_policy:RulePolicy._is_rule_applicable": "64a108b016b4",
              "rasa.core.policies.rule_policy:RulePolicy._get_possible_keys": "2915fd81711e"},
    relies_on={"rasa.core.policies.rule_policy:RulePolicy._does_rule_match_state": "d3109c1a97de"},
    written_for={"rasa": "3.6.21"},
    proven_by="tests/unit/test_rasa_patches.py::test_rule_policy_finds_the_same_rules_as_rasa",
    apply=apply)
