"""Writes an outgoing Activity as the JSON-ready dict msrest's `Serializer.body(activity, "Activity")` makes, faster.

msrest first rebuilds the model graph through its Deserializer and then takes every attribute through a dozen
generic steps: about 0.4 ms for the menu reply. The classes on the way are plain (no validation, no flattened
or XML keys), so each is written from a table made once per class: attribute -> JSON key and a writer for its
msrest type. The mirror image of bot/inbound.py. Values are only written as they are when msrest would write
them unchanged (an exact str, int, bool or float; plain JSON under `object`, which bot/sdk_fixes passes through
as it is); an activity holding anything else (a dict where a model belongs, a str subclass, a tuple ...) is
serialized by msrest whole, for msrest's own result or error.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from enum import Enum
from typing import Any

from botbuilder.schema import Activity
from botframework.connector import models as connector_models
from msrest.serialization import Model, Serializer

from bot.sdk_fixes import JSON_SCALARS, is_plain_json

# What ConnectorClient serializes with: every class of botframework.connector.models by name.
_MODELS = {name: kind for name, kind in vars(connector_models).items() if isinstance(kind, type)}
_msrest = Serializer(_MODELS)

_Writer = Callable[[Any], Any]


class _Unsure(Exception):
    """A value msrest may write differently from a direct copy, or refuse: msrest writes the activity."""


def write_activity(activity: Activity) -> dict[str, Any]:
    """The body msrest's Serializer makes of `activity` for the connector, or msrest's exception."""
    try:
        return _write_model(activity)
    except (_Unsure, RecursionError):  # a graph too deep for this walk is msrest's to write or refuse
        return msrest_body(activity)


def msrest_body(activity: Activity) -> dict[str, Any]:
    """What ConnectorClient.conversations sends: msrest's body. Note that it replaces the activity's lists of
    models (attachments, entities ...) with new lists of the same models, as it does in the SDK."""
    return _msrest.body(activity, "Activity")


# ---- scalars -------------------------------------------------------------------------------------------------

def _exact(kind: type) -> _Writer:
    # msrest writes kind(value): the same value only for exactly that type (int(True) is 1, float(3) is 3.0).
    def write(value: Any) -> Any:
        if type(value) is not kind:
            raise _Unsure
        return value

    return write


def _write_str(value: Any) -> str:
    if type(value) is str:
        return value
    # msrest writes `value.value` of anything that has one; for an enum of strings that is the string.
    if isinstance(value, Enum) and type(value.value) is str:
        return value.value
    raise _Unsure


def _write_datetime(value: Any) -> str:
    if type(value) is not datetime.datetime:
        raise _Unsure  # msrest also parses a str, and refuses a date
    try:
        # msrest's own function, so the same text: UTC, milliseconds at least, trailing zeros cut, "Z".
        return Serializer.serialize_iso(value)
    except Exception:  # out of range, or a tzinfo that fails: msrest raises its own error for it
        raise _Unsure from None


def _write_object(value: Any) -> Any:
    """`object` (channelData, value, an attachment's content): plain JSON as it is, the same object, as
    bot/sdk_fixes has msrest pass it through (msrest as shipped makes an equal copy)."""
    if type(value) in JSON_SCALARS or (type(value) in (dict, list) and is_plain_json(value)):
        return value
    raise _Unsure  # a model, a datetime, a tuple ...: msrest's serialize_object decides


def _unsure(value: Any) -> Any:
    raise _Unsure


def _list_of(write_item: _Writer) -> _Writer:
    def write(value: Any) -> list:
        if type(value) is not list:
            raise _Unsure  # msrest takes any iterable but a str
        return [None if item is None else write_item(item) for item in value]

    return write


def _dict_of(write_item: _Writer) -> _Writer:
    def write(value: Any) -> dict:
        if type(value) is not dict or not all(type(key) is str for key in value):
            raise _Unsure
        return {key: None if item is None else write_item(item) for key, item in value.items()}

    return write


def _write_any_model(value: Any) -> dict[str, Any]:
    # msrest writes a model by its own class's attribute map, whatever class the attribute names.
    if not isinstance(value, Model):
        raise _Unsure  # a dict where a model belongs: msrest first builds the model from it
    return _write_model(value)


_writers: dict[str, _Writer] = {
    "str": _write_str,
    "bool": _exact(bool),
    "int": _exact(int),
    "float": _exact(float),
    "object": _write_object,
    "iso-8601": _write_datetime,
}


def _writer_for(type_name: str) -> _Writer:
    """The writer of an msrest type string; one this module has not checked is left to msrest."""
    if type_name not in _writers:
        if type_name.startswith("[") and type_name.endswith("]"):
            _writers[type_name] = _list_of(_writer_for(type_name[1:-1]))
        elif type_name.startswith("{") and type_name.endswith("}"):
            _writers[type_name] = _dict_of(_writer_for(type_name[1:-1]))
        else:
            model = _MODELS.get(type_name)
            is_model = isinstance(model, type) and issubclass(model, Model) and not issubclass(model, Enum)
            _writers[type_name] = _write_any_model if is_model else _unsure
    return _writers[type_name]


# ---- models --------------------------------------------------------------------------------------------------

# Per class: the length of its attribute map when the table was made (enable_additional_properties_sending adds
# an entry to it later), and (attribute, JSON key or None for additional properties, writer) in map order.
_Table = tuple[int, tuple[tuple[str, str | None, _Writer], ...]]
_tables: dict[type, _Table | None] = {}


def _table(model: type) -> _Table | None:
    """None for a class msrest writes other than key by key: validation (required, read-only, constant),
    flattened or escaped keys, XML, polymorphism."""
    attribute_map = model._attribute_map
    if model._validation or model.is_xml_model() or getattr(model, "_subtype_map", None):
        return None
    rows = []
    for attribute, description in attribute_map.items():
        key, type_name = description["key"], description["type"]
        if attribute == "additional_properties" and key == "":
            rows.append((attribute, None, _unsure))
        elif not key or "." in key or "\\" in key:
            return None
        else:
            rows.append((attribute, key, _writer_for(type_name)))
    return len(attribute_map), tuple(rows)


def _write_model(model_object: Any) -> dict[str, Any]:
    model = type(model_object)
    table = _tables.get(model)
    if table is None or table[0] != len(model._attribute_map):
        if model in _tables and table is None:
            raise _Unsure
        if not issubclass(model, Model):
            raise _Unsure
        table = _tables[model] = _table(model)
        if table is None:
            raise _Unsure
    written: dict[str, Any] = {}
    for attribute, key, write in table[1]:
        try:
            value = getattr(model_object, attribute)
        except AttributeError:
            raise _Unsure from None
        if value is None:
            continue  # msrest leaves out an attribute that is None
        if key is None:
            if type(value) is not dict:
                raise _Unsure
            written.update(value)  # as they are, not serialized; msrest does the same
            continue
        value = write(value)
        # msrest does not overwrite a key an additional property wrote earlier in the map.
        if key not in written:
            written[key] = value
    return written
