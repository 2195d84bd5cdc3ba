"""The program's steps (public) and a member's progress through them (API contract §5)."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.accounts.deps import CurrentCaller
from app.core.db import SessionDep
from app.core.i18n import _
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep
from app.steps import service
from app.steps.program import STEPS
from app.steps.schemas import MyStepOut, StepIn, StepOut

program_router = APIRouter(prefix="/v1/program", tags=["steps"])
my_steps_router = APIRouter(prefix="/v1/me/steps", tags=["steps"])


@program_router.get("/steps", response_model=list[StepOut], summary="The twelve steps")
def program_steps(response: Response) -> list[StepOut]:
    """The same for everyone, no login: clients may cache it."""
    response.headers["Cache-Control"] = "public, max-age=86400"
    return [StepOut(number=s.number, title=_(s.title), summary=_(s.summary)) for s in STEPS]


@my_steps_router.get("", response_model=list[MyStepOut], responses=problem_responses(401))
def get_my_steps(
    caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep
) -> list[MyStepOut]:
    return service.my_steps(runtime, session, caller.account.id)


@my_steps_router.put("/{number}", response_model=MyStepOut, responses=problem_responses(401, 422))
def put_my_step(
    number: Annotated[int, Path(ge=1, le=12)],
    body: StepIn,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
) -> MyStepOut:
    """Set a step's status. Going back from `done` counts a revisit: it is normal."""
    return service.set_step(runtime, session, caller, number, body)
