"""Reads an inbound activity's JSON body into a botbuilder Activity, the object graph msrest would build, faster.

msrest's Deserializer takes every attribute of every model through a dozen generic steps: 0.11 ms for an
Action.Execute invoke, against 0.015 ms here (most of what is left is msrest's own datetime parser, kept for
exactly its result). The classes reachable from Activity are plain (their __init__ only assigns its
arguments), so each is read from a table made once: JSON key -> attribute and a reader for its type.
A body of a shape this does not read with certainty (a number where a string belongs, say, which msrest turns
into "42") is handed to msrest whole, for msrest's own result or error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

from bot.sdk_fixes import JSON_SCALARS

# Every class in botbuilder.schema by name, as Activity.deserialize resolves type names; built once, with one
# Deserializer around it, because neither changes between activities.
_MODELS = Activity._infer_class_models()
_msrest = Deserializer(_MODELS)

_Reader = Callable[[Any], Any]


class _Unsure(Exception):
    """A value of a shape msrest may read differently from a direct build, or refuse: msrest reads the body."""


def read_activity(body: dict) -> Activity:
    """The Activity msrest's Deserializer makes of `body`, or its exception for a body it cannot read."""
    try:
        return _read_model_activity(body)
    except (_Unsure, RecursionError):  # a body too deep for this walk may or may not be too deep for msrest
        return _msrest("Activity", body)


def _exact(kind: type) -> _Reader:
    # msrest converts other types with str(), int(), bool() ... and may succeed: that is msrest's to do.
    def read(value: Any) -> Any:
        if type(value) is not kind:
            raise _Unsure
        return value

    return read


def _read_datetime(value: Any) -> Any:
    if type(value) is not str:
        raise _Unsure
    try:
        # The same call as msrest's, so the same datetime: 7-digit fractions cut to 6, isodate's tzinfo objects.
        return Deserializer.deserialize_iso(value)
    except Exception:  # msrest raises DeserializationError, or wraps what isodate raises into one
        raise _Unsure from None


def _copy_json(value: Any) -> Any:
    """What msrest's deserialize_object makes of plain JSON: new dicts and lists around the same scalars."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in JSON_SCALARS else _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in JSON_SCALARS else _copy_json(item) for item in value]
    if kind in JSON_SCALARS:
        return value
    raise _Unsure  # a str subclass, a tuple, ...: msrest converts or refuses it


def _unsure(value: Any) -> Any:
    raise _Unsure


def _list_of(read_item: _Reader) -> _Reader:
    def read(value: Any) -> list:
        if type(value) is not list:
            raise _Unsure
        return [None if item is None else read_item(item) for item in value]

    return read


def _dict_of(read_item: _Reader) -> _Reader:
    def read(value: Any) -> dict:
        if type(value) is not dict:
            raise _Unsure  # msrest also takes a list of {"key": ..., "value": ...} pairs
        return {key: None if item is None else read_item(item) for key, item in value.items()}

    return read


_readers: dict[str, _Reader] = {
    "str": _exact(str),
    "bool": _exact(bool),
    "int": _exact(int),
    "float": _exact(float),
    "object": _copy_json,
    "iso-8601": _read_datetime,
}


def _reader_for(type_name: str) -> _Reader:
    """The reader of an msrest type string; a type botbuilder.schema does not use on the way is left to msrest."""
    if type_name not in _readers:
        if type_name.startswith("[") and type_name.endswith("]"):
            _readers[type_name] = _list_of(_reader_for(type_name[1:-1]))
        elif type_name.startswith("{") and type_name.endswith("}"):
            _readers[type_name] = _dict_of(_reader_for(type_name[1:-1]))
        else:
            model = _MODELS.get(type_name)
            if isinstance(model, type) and issubclass(model, Model):
                _model_reader(type_name, model)  # registers itself first: models may refer to each other
            else:
                _readers[type_name] = _unsure
    return _readers[type_name]


def _model_reader(type_name: str, model: type[Model]) -> None:
    """Registers the reader of one model: its instance dict filled from the JSON keys it knows."""
    fields: dict[str, tuple[str, _Reader]] = {}
    probe = _probe(model)
    if probe is None:
        _readers[type_name] = _unsure
        return
    blank = dict.fromkeys(probe)  # every attribute None, in the order __init__ sets them

    def read(data: Any) -> Model:
        if type(data) is not dict:
            raise _Unsure
        attributes = blank.copy()
        # msrest keeps the keys no attribute names, with their values as they are (not copied).
        unknown = {}
        for key, value in data.items():
            field = fields.get(key)
            if field is None:
                unknown[key] = value
            elif value is not None:
                attributes[field[0]] = field[1](value)
        attributes["additional_properties"] = unknown
        instance = model.__new__(model)
        instance.__dict__.update(attributes)
        return instance

    _readers[type_name] = read
    for attribute, description in model._attribute_map.items():
        fields[description["key"]] = (attribute, _reader_for(description["type"]))


def _probe(model: type[Model]) -> dict | None:
    """The instance dict `model(**every attribute)` makes, if its __init__ only assigns them and msrest reads the
    model key by key; None for a model that is anything more (msrest reads bodies that hold it)."""
    attribute_map = model._attribute_map
    plain_keys = all(
        description["key"] and "." not in description["key"] and attribute != "additional_properties"
        for attribute, description in attribute_map.items()
    )
    if not plain_keys or getattr(model, "_subtype_map", None) or model._validation:
        return None
    markers = {attribute: object() for attribute in attribute_map}
    try:
        made = model(**markers).__dict__
    except TypeError:
        return None
    if made != {"additional_properties": {}, **markers}:
        return None
    return made


_read_model_activity = _reader_for("Activity")


def read_model(type_name: str, body: Any) -> Any:
    """The `type_name` model (a class of botbuilder.schema) msrest's Deserializer makes of `body`, or its error."""
    try:
        return _reader_for(type_name)(body)
    except (_Unsure, RecursionError):
        return _msrest(type_name, body)
