"""An abuser who knows only the member's handle cannot shut the member out (issue 14, item 2).

The abuser's schedule, over a simulated day: a burst of wrong logins and a wrong recovery code
every 14 minutes, from many addresses. The member's phone, trusted since an earlier login, logs
in every time; a new phone of the member's is blocked at most about an hour of the day; a valid
recovery code works during a login block; and the abuser's guessing stays throttled.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from tests.factories import OTHER_PASSWORD, PASSWORD, auth, database_dump, register

WRONG = "wrong horse battery staple"


def login(client: TestClient, handle: str, password: str, device: str | None = None) -> Any:
    headers = {"Waymark-Device": device} if device else {}
    return client.post(
        "/v1/auth/login", json={"handle": handle, "password": password}, headers=headers
    )


def login_waiting(client: TestClient, clock: FakeClock, handle: str) -> tuple[int, int]:
    """A member on a device not trusted yet: on 429 they wait as told, if briefly, and retry."""
    answer = login(client, handle, PASSWORD)
    if answer.status_code != 429 or int(answer.headers["retry-after"]) > 60:
        return answer.status_code, 0
    wait = int(answer.headers["retry-after"])
    clock.advance(seconds=wait)
    return login(client, handle, PASSWORD).status_code, wait


def test_the_abusers_schedule_over_a_day(
    client: TestClient, app: FastAPI, clock: FakeClock
) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    phone = member["token"]["device_token"]
    assert phone
    new_phone = TestClient(app, client=("192.0.2.10", 40000))
    abusers = [TestClient(app, client=(f"198.51.100.{n}", 40000)) for n in range(1, 60)]

    phone_logins, new_phone_logins, evaluated, attempts = [], [], 0, 0
    clock.moment = clock.moment.replace(hour=0, minute=0)  # one (UTC) day
    for round_number in range(24 * 60 // 15):
        for burst in range(10):
            abuser = abusers[(round_number * 10 + burst) % len(abusers)]
            answer = login(abuser, handle, WRONG)
            attempts += 1
            evaluated += answer.status_code == 401
            clock.advance(seconds=1)
        recovery = abusers[round_number % len(abusers)].post(
            "/v1/auth/recover",
            json={"handle": handle, "recovery_code": "ZZZZ-ZZZZ", "new_password": OTHER_PASSWORD},
        )
        assert recovery.status_code in (401, 429)
        phone_logins.append(login(client, handle, PASSWORD, phone).status_code)
        new_phone_logins.append(login_waiting(new_phone, clock, handle))
        clock.advance(minutes=14)

    assert set(phone_logins) == {200}  # the trusted phone, every single time
    # A new phone meets the handle's blocks (an hour of them in all) in the first hours at
    # worst, the abuser timing each burst just before it; from the fourth hour on it gets in
    # every time, after a wait of 10 seconds at most.
    from_fourth_hour = 4 * 60 // 15
    assert all(status == 200 for status, _ in new_phone_logins[from_fourth_hour:])
    assert max(wait for _, wait in new_phone_logins[from_fourth_hour:]) <= 10
    # Guessing stays throttled: each burst of 10 is heard only until the handle blocks again (5
    # failures, since the member's login a moment before cleared the streak, then one per
    # 10-second block).
    rounds = len(phone_logins)
    assert evaluated <= rounds * 7
    assert attempts - evaluated >= rounds * 3


def test_a_valid_recovery_code_works_during_a_login_block(client: TestClient) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    for _ in range(6):
        login(client, handle, WRONG)
    assert login(client, handle, PASSWORD).status_code == 429
    recovered = client.post(
        "/v1/auth/recover",
        json={
            "handle": handle,
            "recovery_code": member["recovery_codes"][0],
            "new_password": OTHER_PASSWORD,
        },
    )
    assert recovered.status_code == 200, recovered.text


def test_a_device_token_opens_nothing_by_itself_and_is_stored_only_as_a_hash(
    client: TestClient, app: FastAPI
) -> None:
    member, other = register(client), register(client)
    device = member["token"]["device_token"]
    assert device not in database_dump(app)
    # Another account's handle with this device: the device is not trusted for it.
    for _ in range(6):
        login(client, other["account"]["handle"], WRONG, device)
    assert login(client, other["account"]["handle"], PASSWORD, device).status_code == 429
    # Nor does it stand in for a password or a session.
    assert login(client, member["account"]["handle"], WRONG, device).status_code == 401
    assert client.get("/v1/me", headers=auth(device)).status_code == 401


def test_signing_out_everywhere_stops_trusting_every_other_device(
    client: TestClient, app: FastAPI
) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    abusers_copy = member["token"]["device_token"]  # the phone as the abuser took it
    own = login(client, handle, PASSWORD).json()  # the member's new phone, a new device token
    ended = client.post(
        "/v1/auth/logout-all",
        headers={**auth(own["access_token"]), "Waymark-Device": own["device_token"]},
    )
    assert ended.status_code == 204
    elsewhere = TestClient(app, client=("203.0.113.5", 40000))
    for _ in range(6):
        login(elsewhere, handle, WRONG)
    assert login(client, handle, PASSWORD, abusers_copy).status_code == 429
    assert login(client, handle, PASSWORD, own["device_token"]).status_code == 200
