"""``/openapi.json`` generated from the route table and the schema ``TypedDict``s.

Each documented route carries an :class:`Operation`; schemas are derived from
the annotations of the ``TypedDict``s in ``_schemas`` (class name = component
name), so the document cannot drift from what the handlers build.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NotRequired, Required, get_args, get_origin, get_type_hints, is_typeddict

from . import _schemas
from ._schemas import SAFE_INTEGER_MAX, NonNegative, SafeInteger

__all__ = ["Operation", "Parameter", "build_openapi"]

_TITLE = "byokey-proxy"
_DESCRIPTION = "Bring Your Own Keys — AI subscription-to-API proxy gateway"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # "query" or "path"
    type: type
    description: str = ""
    minimum: int | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    summary: str
    response: type | None = None
    status: int = 200
    parameters: tuple[Parameter, ...] = ()
    errors: tuple[int, ...] = ()
    tag: str = "management"
    query: type | None = None
    """A ``TypedDict`` of the query string: one parameter per key, and a component."""
    extra: dict[str, Any] = field(default_factory=dict)


def _required_keys(hints: dict[str, Any]) -> set[str]:
    """Keys not marked ``NotRequired``.

    Read from the resolved hints, not ``__required_keys__``: under postponed
    annotations Python 3.11 cannot see ``NotRequired`` inside the strings and
    reports every key as required.
    """
    return {name for name, hint in hints.items() if get_origin(hint) is not NotRequired}


class _SchemaBuilder:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.components:
            self.components[name] = {}  # placeholder: breaks cycles
            self.components[name] = self._define(cls)
        return {"$ref": f"#/components/schemas/{name}"}

    def _define(self, cls: type) -> dict[str, Any]:
        if isinstance(cls, type) and issubclass(cls, StrEnum):
            return {"type": "string", "enum": [m.value for m in cls]}
        hints = get_type_hints(cls, include_extras=True)
        required = sorted(_required_keys(hints))
        props = {name: self.schema(hint) for name, hint in hints.items()}
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        return schema

    def schema(self, hint: Any) -> dict[str, Any]:
        origin = get_origin(hint)
        if origin in (NotRequired, Required):
            return self.schema(get_args(hint)[0])
        if origin is typing.Annotated:
            base, *meta = get_args(hint)
            out = self.schema(base)
            if any(m is NonNegative for m in meta):
                out["minimum"] = 0
            if any(m is SafeInteger for m in meta):
                out["maximum"] = SAFE_INTEGER_MAX
            return out
        if origin in (types.UnionType, typing.Union):
            return {"anyOf": [self.schema(a) for a in get_args(hint)]}
        if origin is list:
            return {"type": "array", "items": self.schema(get_args(hint)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.schema(get_args(hint)[1])}
        if hint is Any:
            return {}
        if hint is type(None):
            return {"type": "null"}
        if hint is bool:
            return {"type": "boolean"}
        if hint is int:
            return {"type": "integer"}
        if hint is float:
            return {"type": "number"}
        if hint is str:
            return {"type": "string"}
        if is_typeddict(hint) or (isinstance(hint, type) and issubclass(hint, StrEnum)):
            return self.ref(hint)
        raise TypeError(f"no OpenAPI mapping for {hint!r}")


def build_openapi(routes: list[tuple[str, str, Operation]], *, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``(method, path, operation)`` triples."""
    builder = _SchemaBuilder()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, op in routes:
        responses: dict[str, Any] = {}
        if op.response is None:
            responses[str(op.status)] = {"description": "Done (empty body)"}
        else:
            responses[str(op.status)] = {
                "description": "Success",
                "content": {"application/json": {"schema": builder.ref(op.response)}},
            }
        for code in op.errors:
            responses[str(code)] = {
                "description": "Error",
                "content": {"application/json": {"schema": builder.ref(_schemas.ErrorResponse)}},
            }
        entry: dict[str, Any] = {
            "tags": [op.tag],
            "operationId": op.operation_id,
            "summary": op.summary,
            "responses": responses,
        }
        parameters = [_parameter(builder, p) for p in op.parameters]
        if op.query is not None:
            parameters += _query_parameters(builder, op.query)
        if parameters:
            entry["parameters"] = parameters
        entry.update(op.extra)
        paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": _TITLE,
            "description": _DESCRIPTION,
            "version": version,
            "contact": {"name": "AprilNEA", "email": "github@sku.moe"},
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "tags": [
            {"name": "management", "description": "Daemon management API"},
            {"name": "models", "description": "Model listing"},
        ],
        "paths": paths,
        "components": {"schemas": dict(sorted(builder.components.items()))},
    }


def _query_parameters(builder: _SchemaBuilder, query: type) -> list[dict[str, Any]]:
    builder.ref(query)  # listed among the components, as the original's document did
    hints = get_type_hints(query, include_extras=True)
    required = _required_keys(hints)
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": builder.schema(hint),
        }
        for name, hint in hints.items()
    ]


def _parameter(builder: _SchemaBuilder, p: Parameter) -> dict[str, Any]:
    schema = builder.schema(p.type)
    if p.minimum is not None:
        schema["minimum"] = p.minimum
    return {
        "name": p.name,
        "in": p.location,
        "required": p.location == "path",
        "description": p.description,
        "schema": schema,
    }
