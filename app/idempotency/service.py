"""`Idempotency-Key` on creating POSTs: a retried request gets the first answer, never a second
object (SECURITY 31; docs/api-notes.md).

A client offline for days replays its queue; a request that timed out may or may not have been
carried out. With the same key and the same request, the first response is sent again; with the
same key and another request, 422; while the first is still running, 409. Keys belong to one
account: another account's identical key is unrelated.

The record moves from `started` to `committed` inside the transaction that creates the object, so
a crash between the two commits can never let a retry create the object twice (such a retry gets
409). Responses that carry tokens or recovery codes never go through here.
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select, update

from app.accounts.deps import CurrentCaller
from app.accounts.keys import ensure_cipher, open_cipher, open_sealed
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.runtime import Runtime, RuntimeDep
from app.models import IdempotencyRecord

Made = TypeVar("Made", bound=BaseModel)
KEEP_FOR = timedelta(hours=24)
# A record still `started` this long after its request began belongs to a request that ended
# without committing (its commit moves the record on): a retry may run again. Longer than any
# request can take, SQLite's longest busy timeout included.
ABANDONED_AFTER = timedelta(minutes=5)
# Answers that mean "not now": a retry must be carried out, never answered with them again.
TRY_AGAIN_LATER = frozenset({429, 503})
REPLAYED_HEADER = "Idempotent-Replayed"
# Headers of the first response that a replay repeats.
KEPT_HEADERS = ("location", "etag")
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII, as the IETF draft's examples

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Any unique string (a UUID is best). Retrying with the same key and body "
        "returns the first response instead of creating a second object; kept for 24 hours.",
        examples=["5b3c3c5e-1d5f-4d0e-9b8e-2b6f2f0c9a41"],
    ),
]


class Idempotency:
    """What one request needs to be carried out at most once."""

    def __init__(
        self,
        runtime: Runtime,
        session: Session,
        account_id: uuid.UUID,
        key: str | None,
        fingerprint: str,
    ) -> None:
        self.runtime, self.session, self.account_id = runtime, session, account_id
        self.key_digest = hashlib.sha256(key.encode()).hexdigest() if key else None
        self.fingerprint = fingerprint
        self.record_id: uuid.UUID | None = None
        self.committed = False

    def run(self, produce: Callable[[], JSONResponse]) -> JSONResponse:
        """`produce` carries out the request (committing its own transaction) and answers."""
        if self.key_digest is None:
            return produce()
        earlier = self._reserve_and_commit()
        if earlier is not None:
            return self._answer(earlier)
        event.listen(self.session, "before_commit", self._mark_committed)
        event.listen(self.session, "after_commit", self._committed)
        try:
            response = produce()
        except AppError as error:
            # Refused after something was committed (a throttle counter, say): that refusal is
            # the answer a retry gets. Refused before, or told to come back later (429, 503):
            # a retry runs again.
            keep = self.committed and error.status not in TRY_AGAIN_LATER
            self._settle_and_commit(error.to_response() if keep else None, forget=not keep)
            raise
        except BaseException:
            self._settle_and_commit(None)
            raise
        self._settle_and_commit(response)
        return response

    def create(self, make: Callable[[], Made], location: Callable[[Made], str]) -> JSONResponse:
        """A creating request carried out at most once: 201 with the new thing and its address
        in `Location`, or the first answer again."""

        def produce() -> JSONResponse:
            made = make()
            return JSONResponse(
                made.model_dump(mode="json"), status_code=201, headers={"Location": location(made)}
            )

        return self.run(produce)

    # --- the record ---------------------------------------------------------------------------

    def _reserve_and_commit(self) -> IdempotencyRecord | None:
        """Insert the record as `started`; if the key is taken, return the earlier record (an
        abandoned one is cleared and the key taken over)."""
        session, now = self.session, self.runtime.clock()
        session.exec(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < now - KEEP_FOR)
        )
        for _ in range(2):
            record = IdempotencyRecord(
                account_id=self.account_id,
                key_digest=self.key_digest or "",
                fingerprint=self.fingerprint,
                state="started",
                created_at=now,
            )
            session.add(record)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                earlier = self._earlier()
                if earlier.state != "started" or earlier.created_at > now - ABANDONED_AFTER:
                    return earlier
                session.exec(
                    delete(IdempotencyRecord).where(
                        col(IdempotencyRecord.id) == earlier.id,
                        col(IdempotencyRecord.state) == "started",
                    )
                )
                session.commit()
                continue
            self.record_id = record.id
            return None
        return self._earlier()  # another retry took the key over a moment ago

    def _earlier(self) -> IdempotencyRecord:
        return self.session.exec(
            select(IdempotencyRecord)
            .where(
                IdempotencyRecord.account_id == self.account_id,
                IdempotencyRecord.key_digest == self.key_digest,
            )
            .execution_options(populate_existing=True)
        ).one()

    def _mark_committed(self, session: Session) -> None:
        # Inside the transaction that creates the object: the record says so in the same commit
        # (and again, harmlessly, in any later one).
        if not self.committed:
            session.exec(
                update(IdempotencyRecord)
                .where(col(IdempotencyRecord.id) == self.record_id)
                .values(state="committed")
            )

    def _committed(self, _session: Session) -> None:
        # Only once a commit has gone through: a COMMIT that fails leaves nothing behind.
        self.committed = True

    def _settle_and_commit(self, response: Response | None, forget: bool = False) -> None:
        """After the request: keep the answer a retry must get. Without one, free the key if
        nothing was committed (or `forget`); an answer lost after the request's commit leaves the
        record `committed`, and retries get 409."""
        event.remove(self.session, "before_commit", self._mark_committed)
        event.remove(self.session, "after_commit", self._committed)
        self.session.rollback()  # whatever the request left uncommitted
        record = col(IdempotencyRecord.id) == self.record_id
        if response is None and (forget or not self.committed):
            self.session.exec(delete(IdempotencyRecord).where(record))
        elif response is not None:
            kept = {
                "body": json.loads(bytes(response.body)),
                "media_type": response.media_type,
                "headers": {
                    name: value for name, value in response.headers.items() if name in KEPT_HEADERS
                },
            }
            cipher = ensure_cipher(self.runtime, self.session, self.account_id)
            sealed = cipher.seal_json("idempotency", str(self.record_id), "response", kept)
            self.session.exec(
                update(IdempotencyRecord)
                .where(record)
                .values(state="done", status_code=response.status_code, response_sealed=sealed)
            )
        self.session.commit()

    def _answer(self, earlier: IdempotencyRecord) -> JSONResponse:
        if earlier.fingerprint != self.fingerprint:
            raise AppError(
                422,
                "idempotency-key-reused",
                "This Idempotency-Key was used with a different request. Use a new key for a "
                "new request.",
            )
        if earlier.state != "done":
            raise AppError(
                409,
                "idempotency-key-in-use",
                "A request with this Idempotency-Key is still being carried out, or was carried "
                "out without its answer being kept. Wait a moment, then look for the result "
                "before sending a new request.",
                headers={"Retry-After": "1"},
            )
        cipher = open_cipher(self.runtime, self.session, self.account_id)
        kept: dict[str, Any] = open_sealed(
            cipher, "idempotency", str(earlier.id), "response", earlier.response_sealed
        )
        return JSONResponse(
            kept["body"],
            status_code=earlier.status_code or 200,
            headers={**kept["headers"], REPLAYED_HEADER: "true"},
            media_type=kept["media_type"],
        )


def fingerprint_of(method: str, path: str, body: bytes) -> str:
    """The same request however its JSON is spaced or its keys ordered."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("latin-1")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def idempotency(
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    key: IdempotencyKeyHeader = None,
) -> Idempotency:
    fingerprint = fingerprint_of(request.method, request.url.path, await request.body())
    return Idempotency(runtime, session, caller.account.id, key, fingerprint)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]


def delete_idempotency_records(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(IdempotencyRecord).where(col(IdempotencyRecord.account_id) == account_id))
