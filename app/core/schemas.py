"""The base of every request body."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


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


class StrictInput(BaseModel):
    """Unknown fields, wrong types and text that is not valid Unicode are refused with 422."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        try:
            return _encodable(value)
        except UnicodeEncodeError as exc:
            raise ValueError("Text must be valid Unicode without NUL characters.") from exc
