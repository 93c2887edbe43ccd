"""YAML parsing with YAML 1.2 core-schema scalars.

The original parses YAML with serde_yaml (YAML 1.2): only ``true``/``false``
are booleans, ``0755`` is decimal, and ``2024-01-01`` is a string. PyYAML's
``safe_load`` follows YAML 1.1, where ``yes``/``no``/``on``/``off`` become
booleans, ``1:30`` is sexagesimal and dates become ``datetime`` objects. A
loader with the 1.2 resolvers keeps configs meaning what they meant.
"""

from __future__ import annotations

import re
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]

__all__ = ["YamlError", "parse_yaml"]

YamlError = yaml.YAMLError

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_REPLACED = {_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"}


class _Yaml12Loader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    pass


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Yaml12Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Yaml12Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_bool(loader: Any, node: Any) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


def _construct_int(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: Any, node: Any) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_str(loader: Any, node: Any) -> str:
    # JSON-style escapes of astral characters ("\\ud83d\\ude00") arrive as two lone
    # surrogates; JSON pasted into a YAML file must mean what it means as JSON.
    text = str(loader.construct_scalar(node))
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


_Yaml12Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Yaml12Loader.add_constructor(_BOOL, _construct_bool)
_Yaml12Loader.add_constructor(_INT, _construct_int)
_Yaml12Loader.add_constructor(_FLOAT, _construct_float)


def parse_yaml(text: str) -> Any:
    """The single YAML document in ``text`` (``None`` when it is empty)."""
    return yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 - a SafeLoader subclass
