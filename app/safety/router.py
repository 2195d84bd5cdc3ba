"""GET and PUT /v1/me/safety-plan: the member's own, never anyone else's."""

from fastapi import APIRouter

from app.accounts.deps import CurrentCaller
from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep
from app.safety import service
from app.safety.schemas import SafetyPlanIn, SafetyPlanOut

router = APIRouter(prefix="/v1/me/safety-plan", tags=["safety plan"])


@router.get(
    "",
    response_model=SafetyPlanOut,
    responses=problem_responses(401),
    summary="My safety plan (empty until I save one)",
)
def get_plan(caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep) -> SafetyPlanOut:
    return service.read_plan(runtime, session, caller.account.id)


@router.put(
    "",
    response_model=SafetyPlanOut,
    responses=problem_responses(401, 422),
    summary="Save my safety plan (the whole plan: sections left out are emptied)",
)
def put_plan(
    body: SafetyPlanIn, caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep
) -> SafetyPlanOut:
    """Stored encrypted with my own key. Nobody else sees it: not a facilitator, not an admin.
    It is in my export and goes with my account."""
    return service.save_plan(runtime, session, caller.account.id, body)
