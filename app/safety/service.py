"""A member's safety plan: theirs alone. Sealed with their data key like notes; no facilitator,
admin or export of anyone else's ever reads it."""

import uuid

from sqlmodel import Session, col, delete

from app.accounts.keys import ensure_cipher, open_cipher, open_sealed
from app.core.runtime import Runtime
from app.models import SafetyPlan
from app.safety.schemas import SECTIONS, SafetyPlanIn, SafetyPlanOut

KIND, FIELD = "safety-plan", "plan"


def read_plan(runtime: Runtime, session: Session, account_id: uuid.UUID) -> SafetyPlanOut:
    row = session.get(SafetyPlan, account_id)
    if row is None:
        return SafetyPlanOut(**dict.fromkeys(SECTIONS), updated_at=None)
    cipher = open_cipher(runtime, session, account_id)
    sections = open_sealed(cipher, KIND, str(account_id), FIELD, row.plan_sealed) or {}
    return SafetyPlanOut(
        **{name: sections.get(name) for name in SECTIONS}, updated_at=row.updated_at
    )


def save_plan(
    runtime: Runtime, session: Session, account_id: uuid.UUID, body: SafetyPlanIn
) -> SafetyPlanOut:
    """Replaces the whole plan, in one transaction."""
    cipher = ensure_cipher(runtime, session, account_id)
    sealed = cipher.seal_json(KIND, str(account_id), FIELD, body.model_dump(include=set(SECTIONS)))
    assert sealed is not None
    row = session.get(SafetyPlan, account_id, with_for_update=True)
    if row is None:
        row = SafetyPlan(account_id=account_id, plan_sealed=sealed, updated_at=runtime.clock())
    else:
        row.plan_sealed, row.updated_at = sealed, runtime.clock()
    session.add(row)
    session.commit()
    return read_plan(runtime, session, account_id)


def export_plan(runtime: Runtime, session: Session, account_id: uuid.UUID) -> dict[str, object]:
    return read_plan(runtime, session, account_id).model_dump(mode="json")


def delete_plan(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(SafetyPlan).where(col(SafetyPlan.account_id) == account_id))
