"""Turning merged raw trees into a typed ``Settings``, collecting every problem.

The builder walks the schema (the dataclasses' fields and type hints) rather
than the input, which gives three things at once: schema keys match
case-insensitively (dynaconf upper-cases env keys), free-form maps keep their
keys byte for byte, and layers (file < environment < command line) merge per
key with full knowledge of which maps are provider-keyed (``iflow`` from the
file and ``I_FLOW`` from the environment are the same entry).

A layer is ``(origin, tree)``; the origin (``None`` for the file) is named in
messages about values that came from elsewhere.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Union, get_args, get_origin, get_type_hints

from byokey_config._settings import Settings
from byokey_types import ProviderId, UnsupportedProvider

__all__ = ["Layer", "SettingsBuilder"]

Layer = tuple[str | None, Any]

_INVALID: Any = object()
_MAX_SHOWN = 60
_PROVIDER_NAMES = ", ".join(p.value for p in ProviderId)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _join(path: str, key: object) -> str:
    text = str(key)
    if text.isidentifier():
        return f"{path}.{text}" if path else text
    return f"{path}[{text!r}]"


def _show(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
    elif value is None or isinstance(value, bool | int | float | list | dict):
        text = json.dumps(value, default=str)
    else:
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


class SettingsBuilder:
    """One validation pass; read ``errors`` and ``warnings`` afterwards."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def build(self, layers: Sequence[Layer]) -> Settings | None:
        """The settings, or None when ``errors`` is non-empty."""
        result = self._dataclass(Settings, list(layers), "")
        if result is _INVALID or self.errors:
            return None
        settings: Settings = result
        self._check_cross_fields(settings)
        return None if self.errors else settings

    # --- reporting ---------------------------------------------------------------

    def _error(self, path: str, problem: str, origin: str | None) -> None:
        where = path or "(top level)"
        suffix = f" (from {origin})" if origin else ""
        self.errors.append(f"{where}: {problem}{suffix}")

    def _bad_value(
        self, path: str, value: Any, problem: str, origin: str | None, secret: bool
    ) -> Any:
        if secret:
            self._error(path, f"{problem} (got {_kind(value)}; value hidden)", origin)
        else:
            self._error(path, f"{_show(value)} {problem}", origin)
        return _INVALID

    # --- schema walk ---------------------------------------------------------------

    def _convert(self, tp: Any, layers: list[Layer], path: str, secret: bool) -> Any:
        tp = _strip_optional(tp)
        if dataclasses.is_dataclass(tp):
            return self._dataclass(tp, layers, path)  # type: ignore[arg-type]
        if get_origin(tp) is Mapping:
            key_tp, value_tp = get_args(tp)
            return self._mapping(key_tp, value_tp, layers, path, secret)
        origin, value = layers[-1]
        return self._value(tp, value, path, origin, secret)

    def _dataclass(self, cls: type, layers: list[Layer], path: str) -> Any:
        fields_by_key = {
            (f.metadata.get("key") or f.name): f for f in dataclasses.fields(cls) if f.init
        }
        grouped: dict[str, list[Layer]] = {}
        usable = False
        for origin, tree in layers:
            if not isinstance(tree, Mapping):
                self._bad_value(path, tree, "is not a mapping", origin, False)
                continue
            usable = True
            for raw_key, value in tree.items():
                key = raw_key.lower() if isinstance(raw_key, str) else raw_key
                if key in fields_by_key:
                    grouped.setdefault(key, []).append((origin, value))
                else:
                    suffix = f" (from {origin})" if origin else ""
                    self.warnings.append(f"{_join(path, raw_key)}: unknown key ignored{suffix}")
        if not usable:
            return _INVALID
        hints = _hints(cls)
        kwargs: dict[str, Any] = {}
        valid = True
        for key, f in fields_by_key.items():
            given = [(o, v) for o, v in grouped.get(key, []) if v is not None]
            if not given:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    self._error(_join(path, key), "is required", layers[-1][0])
                    valid = False
                continue
            secret = bool(f.metadata.get("secret", False))
            value = self._convert(hints[f.name], given, _join(path, key), secret)
            if value is _INVALID:
                valid = False
                continue
            if not self._in_range(
                f, value, _join(path, key), given[-1][0], secret, shown=given[-1][1]
            ):
                valid = False
                continue
            kwargs[f.name] = value
        return cls(**kwargs) if valid else _INVALID

    def _in_range(
        self,
        f: dataclasses.Field[Any],
        value: Any,
        path: str,
        origin: str | None,
        secret: bool,
        shown: Any = None,
    ) -> bool:
        """Check ``value`` against the field's range; ``shown`` is the value as given
        (``-1`` rather than the converted ``-1.0``) for the message."""
        if isinstance(value, Mapping):
            # A range on a map field applies to each of its values (``auth.callback_ports``).
            results = [
                self._in_range(f, item, _join(path, key), origin, secret)
                for key, item in value.items()
            ]
            return all(results)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return True
        if not isinstance(shown, int | float) or shown != value:
            shown = value
        low, high = f.metadata.get("minimum"), f.metadata.get("maximum")
        if low is not None and high is not None and not low <= value <= high:
            self._bad_value(path, shown, f"is out of range {low}..{high}", origin, secret)
            return False
        if low is not None and value < low:
            self._bad_value(path, shown, f"is less than {low}", origin, secret)
            return False
        if high is not None and value > high:
            self._bad_value(path, shown, f"is greater than {high}", origin, secret)
            return False
        return True

    def _mapping(
        self, key_tp: Any, value_tp: Any, layers: list[Layer], path: str, secret: bool
    ) -> Any:
        grouped: dict[Any, list[Layer]] = {}
        valid = True
        for origin, tree in layers:
            if not isinstance(tree, Mapping):
                self._bad_value(path, tree, "is not a mapping", origin, False)
                valid = False
                continue
            for raw_key, value in tree.items():
                key = self._map_key(key_tp, raw_key, path, origin)
                if key is _INVALID:
                    valid = False
                    continue
                grouped.setdefault(key, []).append((origin, value))
        free_form = value_tp is Any
        result: dict[Any, Any] = {}
        for key, given in grouped.items():
            if not free_form:
                given = [(o, v) for o, v in given if v is not None]
                if not given:
                    continue
            value = self._convert(value_tp, given, _join(path, key), secret)
            if value is _INVALID:
                valid = False
                continue
            result[key] = value
        return types.MappingProxyType(result) if valid else _INVALID

    def _map_key(self, key_tp: Any, raw_key: Any, path: str, origin: str | None) -> Any:
        if not isinstance(raw_key, str):
            self._error(_join(path, raw_key), f"key {_show(raw_key)} is not a string", origin)
            return _INVALID
        if key_tp is ProviderId:
            try:
                return ProviderId.parse(raw_key)
            except UnsupportedProvider:
                self._error(
                    _join(path, raw_key),
                    f"{raw_key!r} is not a provider (expected one of {_PROVIDER_NAMES})",
                    origin,
                )
                return _INVALID
        return raw_key

    def _value(self, tp: Any, value: Any, path: str, origin: str | None, secret: bool) -> Any:
        if tp is Any:
            return value
        if get_origin(tp) is tuple:
            return self._tuple(get_args(tp)[0], value, path, origin, secret)
        if tp is bool:
            if isinstance(value, bool):
                return value
            return self._bad_value(path, value, "is not a boolean (true or false)", origin, secret)
        if tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            return self._bad_value(path, value, "is not an integer", origin, secret)
        if tp is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            return self._bad_value(path, value, "is not a number", origin, secret)
        if tp is ProviderId:
            return self._provider_id(value, path, origin)
        if isinstance(tp, type) and issubclass(tp, StrEnum):
            return self._enum(tp, value, path, origin)
        if tp is str:
            if isinstance(value, str):
                return value
            # Environment values arrive type-parsed: BYOKEY_..._API_KEY=12345678 is an int.
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            return self._bad_value(path, value, "is not a string", origin, secret)
        if dataclasses.is_dataclass(tp) or get_origin(tp) is Mapping:
            return self._convert(tp, [(origin, value)], path, secret)
        raise TypeError(f"settings schema uses an unsupported type at {path}: {tp!r}")

    def _tuple(self, item_tp: Any, value: Any, path: str, origin: str | None, secret: bool) -> Any:
        if not isinstance(value, list | tuple):
            return self._bad_value(path, value, "is not a list", origin, secret)
        shorthand = getattr(item_tp, "shorthand_field", None)
        items: list[Any] = []
        valid = True
        for index, item in enumerate(value):
            if shorthand is not None and isinstance(item, str):
                item = {shorthand: item}
            if item is None:
                self._error(f"{path}[{index}]", "is null", origin)
                valid = False
                continue
            converted = self._convert(item_tp, [(origin, item)], f"{path}[{index}]", secret)
            if converted is _INVALID:
                valid = False
            items.append(converted)
        return tuple(items) if valid else _INVALID

    def _provider_id(self, value: Any, path: str, origin: str | None) -> Any:
        if isinstance(value, str):
            try:
                return ProviderId.parse(value)
            except UnsupportedProvider:
                pass
        return self._bad_value(
            path, value, f"is not a provider (expected one of {_PROVIDER_NAMES})", origin, False
        )

    def _enum(self, tp: type[StrEnum], value: Any, path: str, origin: str | None) -> Any:
        if isinstance(value, str):
            try:
                return tp(value)
            except ValueError:
                pass
        choices = ", ".join(m.value for m in tp)
        return self._bad_value(path, value, f"is not one of {choices}", origin, False)

    # --- rules that span several keys ------------------------------------------------

    def _check_cross_fields(self, settings: Settings) -> None:
        seen: dict[str, int] = {}
        for index, upstream in enumerate(settings.openai_compatible):
            path = f"openai_compatible[{index}].name"
            if not upstream.name.strip():
                self._error(path, "is empty", None)
            elif upstream.name in seen:
                self._error(
                    path,
                    f"{upstream.name!r} is already used by openai_compatible[{seen[upstream.name]}]",
                    None,
                )
            else:
                seen[upstream.name] = index
            if not upstream.base_url.strip():
                self._error(f"openai_compatible[{index}].base_url", "is empty", None)
