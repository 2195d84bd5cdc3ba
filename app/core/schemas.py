"""The base of every request body, and the one form dates and times take in a query."""

import re
from datetime import date, datetime
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from app.core.i18n import N_


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        # JSON allows lone surrogates ("\ud83d") and NUL; neither is text that can be stored
        # (PostgreSQL refuses NUL) or hashed.
        value.encode("utf-8")
        if "\x00" in value:
            raise UnicodeEncodeError("utf-8", value, value.index("\x00"), len(value), "NUL")
    elif isinstance(value, list | tuple | set):
        for item in value:
            _encodable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _encodable(key)
            _encodable(item)
    return value


def _takes_integer(annotation: Any) -> bool:
    """int, or int among the choices (`int | None`), but never where a float is also welcome."""
    if annotation is int:
        return True
    choices = get_args(annotation)
    if get_origin(annotation) is Annotated:
        return _takes_integer(choices[0])
    if float in choices:
        return False
    return get_origin(annotation) in (Union, UnionType) and any(map(_takes_integer, choices))


class StrictInput(BaseModel):
    """Unknown fields, wrong types and text that is not valid Unicode are refused with 422."""

    model_config = ConfigDict(extra="forbid", strict=True)

    # The keys of the fields that take an integer, found once per model when it is defined.
    _integer_keys: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._integer_keys = frozenset(
            field.alias or name
            for name, field in cls.model_fields.items()
            if _takes_integer(field.annotation)
        )

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers(cls, data: Any) -> Any:
        # JSON has one kind of number: 1.0 is the integer one (JSON Schema agrees), so a field
        # that takes an integer takes it. 1.5 is still refused, as are strings and booleans.
        if not isinstance(data, dict) or not cls._integer_keys:
            return data
        return {
            key: int(value)
            if key in cls._integer_keys and isinstance(value, float) and value.is_integer()
            else value
            for key, value in data.items()
        }

    @field_validator("*", mode="after")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        try:
            return _encodable(value)
        except UnicodeEncodeError as exc:
            raise ValueError(N_("Text must be valid Unicode without NUL characters.")) from exc


Body = TypeVar("Body", bound=StrictInput)


def _admits_none(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        return _admits_none(get_args(annotation)[0])
    return annotation is None or annotation is NoneType or NoneType in get_args(annotation)


def never_null(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields that never take null, in order: a PATCH may leave one out, never remove it."""
    return tuple(
        name for name, field in model.model_fields.items() if not _admits_none(field.annotation)
    )


def _optional(field: FieldInfo) -> tuple[Any, FieldInfo]:
    # The field's own rules and validators stay on its value; null passes them by.
    rules: Any = field.annotation
    if field.metadata:
        rules = Annotated[(rules, *field.metadata)]
    return rules | None, FieldInfo(
        default=None,
        alias=field.alias,
        title=field.title,
        description=field.description,
        examples=field.examples,
        json_schema_extra=field.json_schema_extra,
    )


def partial(model: type[Body], name: str, doc: str) -> type[Body]:
    """A PATCH body derived from `model`: the same fields with the same rules and validators, each
    optional with null as its default. Only the fields sent change (`model_fields_set`); where
    `never_null(model)` names a field, the service refuses null for it before reading the body,
    so a value read from a sent field of a partial body is never null there."""
    fields = {field_name: _optional(field) for field_name, field in model.model_fields.items()}
    patch: type[Body] = create_model(  # type: ignore[call-overload]
        name, __base__=model, __doc__=doc, __module__=model.__module__, **fields
    )
    return patch


# Query dates and times as text in one form only. Pydantic's lax parsing would also take a number
# as seconds since 1970 ("to=0.0" meaning 1 January 1970), which no client means.
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ISO_DATE = re.compile(DATE_PATTERN)
# The same rule for OpenAPI, on parameters read as text (the error messages stay ours).
DATE_SCHEMA: dict[str, Any] = {"format": "date", "pattern": DATE_PATTERN}
# Digits are ASCII: `\d` would also take other scripts' digits.
RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _date_text(value: Any) -> Any:
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError(N_("Use a calendar date as YYYY-MM-DD."))
    return value


def _time_text(value: Any) -> Any:
    if isinstance(value, str) and not RFC3339.fullmatch(value):
        raise ValueError(N_("Use an RFC 3339 time with its offset, such as 2026-11-23T08:00:00Z."))
    return value


IsoDate = Annotated[date, BeforeValidator(_date_text)]
Rfc3339Time = Annotated[datetime, BeforeValidator(_time_text)]
