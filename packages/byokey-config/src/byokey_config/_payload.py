"""Payload rules: config-driven rewriting of OpenAI-format request bodies.

Order is fixed by the original: every matching ``default`` rule (set only where
the path is absent), then every matching ``override`` rule (set always), then
every matching ``filter`` rule (remove). The body passed in is never mutated,
and values copied from the config are deep-copied so a later stage that edits
the body cannot reach back into the settings snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from byokey_config._glob import glob_match_any
from byokey_config._json_path import path_exists, with_path_removed, with_path_set

__all__ = ["PayloadFilterRule", "PayloadRule", "PayloadRules", "apply_payload_rules"]


@dataclass(frozen=True, slots=True)
class PayloadRule:
    """Dotted paths and the JSON values to put there, for models matching ``models``."""

    models: tuple[str, ...]
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PayloadFilterRule:
    """Dotted paths to remove, for models matching ``models``."""

    models: tuple[str, ...]
    params: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PayloadRules:
    default: tuple[PayloadRule, ...] = ()
    override: tuple[PayloadRule, ...] = ()
    filter: tuple[PayloadFilterRule, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.default or self.override or self.filter)

    def apply(self, body: dict[str, Any], model: str) -> dict[str, Any]:
        """See :func:`apply_payload_rules`."""
        return apply_payload_rules(self, body, model)


def apply_payload_rules(rules: PayloadRules, body: dict[str, Any], model: str) -> dict[str, Any]:
    """``body`` rewritten by the rules that match ``model``.

    ``model`` is the alias-resolved name without ``provider/`` qualifier or
    thinking suffix. Returns ``body`` itself when nothing changed, otherwise a
    new dict that shares every untouched subtree with ``body``.
    """
    result = body
    for rule in rules.default:
        if glob_match_any(rule.models, model):
            for path, value in rule.params.items():
                parts = path.split(".")
                if not path_exists(result, parts):
                    result = with_path_set(result, parts, copy.deepcopy(value))
    for rule in rules.override:
        if glob_match_any(rule.models, model):
            for path, value in rule.params.items():
                result = with_path_set(result, path.split("."), copy.deepcopy(value))
    for filter_rule in rules.filter:
        if glob_match_any(filter_rule.models, model):
            for path in filter_rule.params:
                result = with_path_removed(result, path.split("."))
    return result
