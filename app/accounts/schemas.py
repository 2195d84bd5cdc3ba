"""Request and response shapes for accounts. Requests are strict: unknown fields are refused."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from app.accounts.rules import (
    HANDLE_MAX,
    HANDLE_MIN,
    HANDLE_PATTERN,
    PASSWORD_MAX,
    PASSWORD_MIN,
    handle_problem,
    timezone_problem,
)
from app.core.i18n import supported
from app.core.schemas import StrictInput

Role = Literal["member", "facilitator", "admin"]
# Longer inputs are refused before any rule runs; PASSWORD_MAX still decides with a clear reason.
PASSWORD_HARD_LIMIT = 1024


def _check_handle(value: str) -> str:
    problem = handle_problem(value)
    if problem:
        raise PydanticCustomError("handle", problem)
    return value


def check_timezone(value: str) -> str:
    problem = timezone_problem(value)
    if problem:
        raise PydanticCustomError("timezone", problem)
    return value


# The schema states the handle rules OpenAPI can express; the validator also refuses handles
# that look like an email address or a phone number.
Handle = Annotated[
    str,
    Field(
        max_length=64,
        examples=["quiet-river"],
        json_schema_extra={
            "minLength": HANDLE_MIN,
            "maxLength": HANDLE_MAX,
            "pattern": HANDLE_PATTERN,
        },
    ),
    AfterValidator(_check_handle),
]
Timezone = Annotated[
    str, Field(max_length=64, examples=["America/Chicago"]), AfterValidator(check_timezone)
]
Password = Annotated[
    str,
    Field(
        max_length=PASSWORD_HARD_LIMIT,
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, compared as sent (in NFC).",
        json_schema_extra={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX},
        examples=["lantern orchard pebble harbor"],
    ),
]
# Logins accept any handle-sized string: a rule change must never lock an old account out.
LoginHandle = Annotated[str, Field(min_length=1, max_length=64, examples=["quiet-river"])]


# A few words for the member to know the device by in their list of sessions.
DeviceLabel = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        examples=["my phone"],
        description="What you call this device, shown in your list of sessions.",
    ),
]


Language = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$",
        max_length=35,
        examples=["es"],
        description="A language tag (`es`, `es-MX`). Waymark speaks English and Spanish; any "
        "other language is read as English until Waymark speaks it.",
    ),
    AfterValidator(supported),
]


class RegisterIn(StrictInput):
    handle: Handle
    password: Password
    timezone: Timezone = "UTC"
    language: Language | None = Field(
        default=None, description="Left out, the best match for `Accept-Language`."
    )
    device_label: DeviceLabel | None = None


class LoginIn(StrictInput):
    handle: LoginHandle
    password: Annotated[str, Field(max_length=PASSWORD_HARD_LIMIT)]
    device_label: DeviceLabel | None = None


class RecoverIn(StrictInput):
    handle: LoginHandle
    recovery_code: Annotated[str, Field(min_length=1, max_length=64, examples=["7KQ2-M9XD-…"])]
    new_password: Password
    device_label: DeviceLabel | None = None


class AccountPatch(StrictInput):
    handle: Handle | None = None
    timezone: Timezone | None = None
    language: Language | None = None
    current_password: (
        Annotated[
            str,
            Field(
                max_length=PASSWORD_HARD_LIMIT,
                description="Needed to change the handle (not the time zone or language).",
            ),
        ]
        | None
    ) = None


class PasswordChangeIn(StrictInput):
    current_password: Annotated[str, Field(max_length=PASSWORD_HARD_LIMIT)]
    new_password: Password


class PasswordConfirmIn(StrictInput):
    password: Annotated[str, Field(max_length=PASSWORD_HARD_LIMIT)]


class AccountOut(BaseModel):
    id: uuid.UUID
    handle: str
    role: Role
    timezone: str
    language: str
    created_at: datetime

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1c2a9e-8d4b-4e57-9a53-0c8a7b1e2f10",
                    "handle": "quiet-river",
                    "role": "member",
                    "timezone": "America/Chicago",
                    "language": "es",
                    "created_at": "2026-11-23T14:05:00Z",
                }
            ]
        },
    )


class TokenOut(BaseModel):
    access_token: str = Field(examples=["q3vX…43 URL-safe characters…"])
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name, not a secret
    expires_at: datetime
    device_token: str | None = Field(
        default=None,
        description="Keep it on this device and send it as the `Waymark-Device` header with later "
        "logins: failures from elsewhere then never block this device. Given when this device is "
        "not trusted yet.",
    )


class RegisterOut(BaseModel):
    account: AccountOut
    token: TokenOut
    recovery_codes: list[str] = Field(
        description=(
            "Ten single-use codes, shown only now. The only way back in without the password."
        )
    )


class RecoverOut(BaseModel):
    token: TokenOut
    recovery_codes_left: int


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class SessionOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime = Field(description="Accurate to the hour.")
    current: bool
    device_label: str | None = Field(description="What the device was called at login.")
    first_used_on: date = Field(description="The day it began, in your time zone.")
    last_used_on: date = Field(description="The day it was last used, in your time zone.")


class NewSessionOut(BaseModel):
    device_label: str | None
    began_on: date = Field(description="In your time zone.")


class MeOut(AccountOut):
    new_sessions: list[NewSessionOut] = Field(
        description="Sessions begun since this one last asked, newest first (each told once): "
        "one you did not start means someone else has your password. End it, then change the "
        "password."
    )


class ExportOut(BaseModel):
    """Everything stored about the member. Each domain adds its own part."""

    model_config = ConfigDict(extra="allow")

    exported_at: datetime
    account: AccountOut
    parts: dict[str, Any] = Field(
        description="One entry per domain: sessions, recovery codes, and later check-ins, groups…"
    )


class RoleIn(StrictInput):
    role: Role


class RoleByHandleIn(RoleIn):
    handle: str = Field(min_length=1, max_length=64)


class AccountRoleOut(BaseModel):
    id: uuid.UUID
    handle: str
    role: str
