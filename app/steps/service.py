"""A member's place in the twelve steps. Going back from done counts a revisit, never a failure."""

import uuid

from sqlmodel import Session, col, delete, select

from app.accounts.deps import Caller
from app.accounts.keys import MemberCipher, ensure_cipher, open_cipher, open_sealed
from app.core.runtime import Runtime
from app.models import StepProgress
from app.steps.program import STEPS
from app.steps.schemas import MyStepOut, StepIn


def _out(number: int, row: StepProgress | None, cipher: MemberCipher | None) -> MyStepOut:
    if row is None:
        return MyStepOut(
            number=number, status="not_started", revisits=0, note=None, updated_at=None
        )
    note = open_sealed(cipher, "step", str(number), "note", row.note_sealed)
    return MyStepOut(
        number=number,
        status=row.status,
        revisits=row.revisits,
        note=note,
        updated_at=row.updated_at,
    )


def my_steps(runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[MyStepOut]:
    rows = {
        row.number: row
        for row in session.exec(
            select(StepProgress).where(StepProgress.account_id == account_id)
        ).all()
    }
    cipher = open_cipher(runtime, session, account_id) if rows else None
    return [_out(step.number, rows.get(step.number), cipher) for step in STEPS]


def set_step(
    runtime: Runtime, session: Session, caller: Caller, number: int, body: StepIn
) -> MyStepOut:
    account_id = caller.account.id
    cipher = ensure_cipher(runtime, session, account_id)
    row = session.exec(
        select(StepProgress)
        .where(StepProgress.account_id == account_id, StepProgress.number == number)
        .with_for_update()
    ).first()
    if row is None:
        row = StepProgress(account_id=account_id, number=number, status="not_started")
    if row.status == "done" and body.status != "done":
        row.revisits += 1
    row.status = body.status
    if "note" in body.model_fields_set:  # absent: keep the note; null: remove it
        row.note_sealed = cipher.seal_json("step", str(number), "note", body.note)
    row.updated_at = runtime.clock()
    session.add(row)
    session.commit()
    return _out(number, row, cipher)


def export_steps(
    runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, object]]:
    return [
        step.model_dump(mode="json")
        for step in my_steps(runtime, session, account_id)
        if step.updated_at is not None
    ]


def delete_steps(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(StepProgress).where(col(StepProgress.account_id) == account_id))
