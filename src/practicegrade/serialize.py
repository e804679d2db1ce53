"""Dataclasses <-> JSON-able values, driven by the type hints in :mod:`practicegrade.model`.

One generic converter instead of a ``to_dict``/``from_dict`` pair per class keeps the
report schema in one place (the dataclasses) and makes a JSON round trip exact, which
the cache and ``report.json`` readers rely on.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin

from practicegrade.model import Code

T = TypeVar("T")

JSONValue = Any
"""A value made of dict, list, str, int, float, bool and None."""


def to_jsonable(value: object) -> JSONValue:
    """Convert a dataclass tree to plain JSON values (tuples become lists)."""
    if isinstance(value, Code):
        return {"code": value.text}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def dumps(value: object, *, indent: int | None = 2) -> str:
    """Deterministic JSON text for a dataclass tree."""
    return json.dumps(to_jsonable(value), indent=indent, sort_keys=False, ensure_ascii=False)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: type[T], data: JSONValue) -> T:
    """Rebuild a value of type ``tp`` from :func:`to_jsonable` output.

    Raises ``ValueError`` on data that does not fit the type, naming the path.
    """
    return typing.cast(T, _convert(tp, data, "$"))


def _convert(tp: Any, data: JSONValue, path: str) -> Any:  # noqa: PLR0911, PLR0912
    if tp is Any or tp is object:
        return data
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return _convert_union(tp, data, path)
    if origin is typing.Literal:
        if data not in get_args(tp):
            raise ValueError(f"{path}: {data!r} is not one of {get_args(tp)}")
        return data
    if tp is Code:
        if not isinstance(data, dict) or set(data) != {"code"}:
            raise ValueError(f"{path}: expected {{'code': ...}}")
        return Code(str(data["code"]))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object for {tp.__name__}")
        hints = _hints(tp)
        unknown = set(data) - {f.name for f in dataclasses.fields(tp)}
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)} for {tp.__name__}")
        kwargs = {
            f.name: _convert(hints[f.name], data[f.name], f"{path}.{f.name}")
            for f in dataclasses.fields(tp)
            if f.name in data and f.init
        }
        return tp(**kwargs)
    if origin is tuple:
        args = get_args(tp)
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{path}[{i}]") for i, v in enumerate(data))
        pairs = enumerate(zip(args, data, strict=True))
        return tuple(_convert(a, v, f"{path}[{i}]") for i, (a, v) in pairs)
    if origin in (Mapping, dict) or origin is typing.Mapping:
        _, vt = get_args(tp)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object")
        return {k: _convert(vt, v, f"{path}.{k}") for k, v in data.items()}
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise ValueError(f"{path}: expected a number, got {data!r}")
        return float(data)
    if tp in (int, str, bool):
        if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
            raise ValueError(f"{path}: expected {tp.__name__}, got {data!r}")
        return data
    if tp is type(None):
        if data is not None:
            raise ValueError(f"{path}: expected null")
        return None
    raise TypeError(f"{path}: unsupported type {tp!r}")


def _convert_union(tp: Any, data: JSONValue, path: str) -> Any:
    args = get_args(tp)
    if data is None and type(None) in args:
        return None
    errors = []
    for arg in args:
        if arg is type(None):
            continue
        try:
            return _convert(arg, data, path)
        except ValueError as exc:
            errors.append(str(exc))
    raise ValueError(f"{path}: no alternative of {tp!r} fits: {'; '.join(errors)}")
