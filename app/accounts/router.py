"""HTTP routes for accounts, sessions and roles (API contract §2)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.accounts import service, sessions
from app.accounts.deps import Caller, CurrentCaller, require_role
from app.accounts.devices import DeviceHeader
from app.accounts.schemas import (
    AccountOut,
    AccountPatch,
    AccountRoleOut,
    ExportOut,
    LoginIn,
    MeOut,
    PasswordChangeIn,
    PasswordConfirmIn,
    RecoverIn,
    RecoverOut,
    RecoveryCodesOut,
    RegisterIn,
    RegisterOut,
    RoleByHandleIn,
    RoleIn,
    SessionOut,
    TokenOut,
)
from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.pagination import Page, PageQuery
from app.core.runtime import RuntimeDep, client_address

auth_router = APIRouter(prefix="/v1/auth", tags=["accounts"])
me_router = APIRouter(prefix="/v1/me", tags=["accounts"])
admin_router = APIRouter(prefix="/v1/admin", tags=["admin"])

Admin = Annotated[Caller, Depends(require_role("admin"))]

AUTHED = problem_responses(401, 422)


@auth_router.post(
    "/register",
    status_code=201,
    response_model=RegisterOut,
    responses=problem_responses(409, 422, 429),
    summary="Create a pseudonymous account",
)
def register(
    body: RegisterIn, request: Request, runtime: RuntimeDep, session: SessionDep
) -> RegisterOut:
    """No email, phone, name or birth date: a handle and a password. The ten recovery codes in
    the response are shown only once; they are the only way back in without the password."""
    return service.register(runtime, session, body, client_address(request))


@auth_router.post(
    "/login",
    response_model=TokenOut,
    responses=problem_responses(401, 422, 429),
    summary="Log in",
)
def login(
    body: LoginIn,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    device: DeviceHeader = None,
) -> TokenOut:
    """Send the `device_token` an earlier login gave as `Waymark-Device`: a block caused by
    failures elsewhere then does not stop this device."""
    return service.login(runtime, session, body, client_address(request), device)


@auth_router.post(
    "/logout", status_code=204, responses=problem_responses(401), summary="Revoke this token"
)
def logout(caller: CurrentCaller, session: SessionDep) -> Response:
    sessions.logout(session, caller)
    return Response(status_code=204)


@auth_router.post(
    "/logout-all",
    status_code=204,
    responses=problem_responses(401),
    summary="Revoke every token of the account",
)
def logout_all(caller: CurrentCaller, session: SessionDep) -> Response:
    """Devices stay trusted (see login); changing the password or recovering ends that."""
    sessions.logout_all(session, caller)
    return Response(status_code=204)


@auth_router.get(
    "/sessions", response_model=Page[SessionOut], responses=AUTHED, summary="List my sessions"
)
def list_sessions(
    caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep, page: PageQuery
) -> Page[SessionOut]:
    return sessions.list_sessions(runtime, session, caller, page)


@auth_router.delete(
    "/sessions/{session_id:uuid}",
    status_code=204,
    responses=problem_responses(401, 404, 422),
    summary="Revoke one of my sessions",
)
def revoke_session(session_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> Response:
    sessions.revoke_session(session, caller, session_id)
    return Response(status_code=204)


@auth_router.post(
    "/recover",
    response_model=RecoverOut,
    responses=problem_responses(401, 422, 429),
    summary="Set a new password with a recovery code",
)
def recover(
    body: RecoverIn, request: Request, runtime: RuntimeDep, session: SessionDep
) -> RecoverOut:
    """Each code works once. Every other session of the account is signed out."""
    return service.recover(runtime, session, body, client_address(request))


@me_router.get("", response_model=MeOut, responses=AUTHED, summary="My account")
def get_me(caller: CurrentCaller, runtime: RuntimeDep) -> MeOut:
    """With the sessions begun since this one last asked."""
    return MeOut(
        **service.account_out(caller.account).model_dump(),
        new_sessions=sessions.begun_since_last_look(runtime, caller),
    )


@me_router.patch(
    "",
    response_model=AccountOut,
    responses=problem_responses(401, 403, 409, 422, 429),
    summary="Change my handle or time zone",
)
def patch_me(
    patch: AccountPatch,
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    device: DeviceHeader = None,
) -> AccountOut:
    """Changing the handle needs `current_password`; the old handle keeps logging in for 7 days
    and nobody else can take it meanwhile. Every other device stops being trusted (see login):
    a device left behind must not be able to tell the new handle from others."""
    return service.update_me(runtime, session, caller, patch, client_address(request), device)


@me_router.post(
    "/password",
    status_code=204,
    responses=problem_responses(401, 403, 422, 429),
    summary="Change my password",
)
def change_password(
    body: PasswordChangeIn,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    device: DeviceHeader = None,
) -> Response:
    """Every other session is signed out, and every other device stops being trusted; this one
    stays."""
    service.change_password(runtime, session, caller, body, device)
    return Response(status_code=204)


@me_router.post(
    "/recovery-codes",
    response_model=RecoveryCodesOut,
    responses=problem_responses(401, 403, 422, 429),
    summary="Replace my recovery codes",
)
def regenerate_recovery_codes(
    body: PasswordConfirmIn, caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep
) -> RecoveryCodesOut:
    """The old codes stop working at once."""
    codes = service.regenerate_recovery_codes(runtime, session, caller, body.password)
    return RecoveryCodesOut(recovery_codes=codes)


@me_router.get(
    "/export", response_model=ExportOut, responses=AUTHED, summary="Everything stored about me"
)
def export(caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep) -> ExportOut:
    return service.export_account(runtime, session, caller)


@me_router.post(
    "/delete",
    status_code=204,
    responses=problem_responses(401, 403, 422, 429),
    summary="Delete my account and all its data",
)
def delete_me(
    body: PasswordConfirmIn, caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """Immediate and final: the account and everything it owns are removed in one transaction."""
    service.delete_account(runtime, session, caller, body.password)
    return Response(status_code=204)


@admin_router.put(
    "/accounts/{account_id:uuid}/role",
    response_model=AccountRoleOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Give an account a role (admins)",
)
def set_role(
    account_id: uuid.UUID, body: RoleIn, _admin: Admin, session: SessionDep
) -> AccountRoleOut:
    """The last admin cannot step down (409): the service would be left without one."""
    return service.set_role(session, account_id, body.role)


@admin_router.put(
    "/roles",
    response_model=AccountRoleOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Give an account a role, found by its handle (admins)",
)
def set_role_by_handle(body: RoleByHandleIn, _admin: Admin, session: SessionDep) -> AccountRoleOut:
    """The handle goes in the body, never in the address, so it stays out of access logs."""
    return service.set_role(session, service.account_by_handle(session, body.handle), body.role)
