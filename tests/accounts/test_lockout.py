"""An abuser who knows only the member's handle cannot shut the member out (issue 14, item 2).

The abuser's schedule, over a simulated day: a burst of wrong logins and a wrong recovery code
every 14 minutes, from many addresses. The member's phone, trusted since an earlier login, logs
in every time; a new phone of the member's is blocked at most about an hour of the day; a valid
recovery code works during a login block; and the abuser's guessing stays throttled.
"""

import threading
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


def test_the_abusers_schedule_over_a_day(
    client: TestClient, app: FastAPI, clock: FakeClock
) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    phone = member["token"]["device_token"]
    assert phone
    new_phone = TestClient(app, client=("192.0.2.10", 40000))
    # Home, work and mobile data; and a /64 of IPv6 addresses, which count as one.
    abusers = [TestClient(app, client=(host, 40000)) for host in ("198.51.100.7", "203.0.113.9")]
    abusers += [TestClient(app, client=(f"2001:db8:77::{n:x}", 40000)) for n in range(1, 40)]

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
        new_phone_logins.append(login(new_phone, handle, PASSWORD).status_code)
        clock.advance(minutes=14)

    assert set(phone_logins) == {200}  # the trusted phone, every single time
    # A new phone meets the handle's blocks (an hour of them in all) in the first hours at
    # worst, the abuser timing each burst just before it; from the fourth hour on it gets in
    # every time.
    from_fourth_hour = 4 * 60 // 15
    assert set(new_phone_logins[from_fourth_hour:]) == {200}
    # Guessing stays throttled: the abuser's few networks meet their own throttles.
    assert evaluated <= attempts // 4


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


def test_a_stolen_phone_cannot_strip_the_members_other_devices_of_trust(
    client: TestClient, app: FastAPI
) -> None:
    """Signing out everywhere needs no password; someone holding the phone does it, then tries
    to lock the member out: the member's laptop stays trusted. Changing the password (from the
    laptop) is what retires the phone."""
    member = register(client)  # on the phone the abuser now holds
    handle = member["account"]["handle"]
    phone_device, phone_session = member["token"]["device_token"], member["token"]["access_token"]
    laptop = login(client, handle, PASSWORD).json()
    assert client.post("/v1/auth/logout-all", headers=auth(phone_session)).status_code == 204
    abusers = [TestClient(app, client=(f"198.51.100.{n}", 40000)) for n in range(1, 8)]
    for abuser in abusers:
        login(abuser, handle, WRONG)
    assert login(client, handle, PASSWORD).status_code == 429  # the handle is blocked
    relogged = login(client, handle, PASSWORD, laptop["device_token"])
    assert relogged.status_code == 200
    changed = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": OTHER_PASSWORD},
        headers={
            **auth(relogged.json()["access_token"]),
            "Waymark-Device": laptop["device_token"],
        },
    )
    assert changed.status_code == 204
    assert login(client, handle, OTHER_PASSWORD, phone_device).status_code == 429  # not trusted
    assert login(client, handle, OTHER_PASSWORD, laptop["device_token"]).status_code == 200


def test_a_device_left_behind_cannot_tell_the_new_handle_from_others(
    client: TestClient, app: FastAPI
) -> None:
    """The member renames from a new device; the phone left with the abuser holds a device
    token. Blocking a guessed handle and then trying it with that token must answer alike for
    the member's new handle and for anyone else's."""
    member = register(client)
    phone_device = member["token"]["device_token"]
    laptop = login(client, member["account"]["handle"], PASSWORD).json()
    new = "fled-" + member["account"]["handle"]
    renamed = client.patch(
        "/v1/me",
        json={"handle": new, "current_password": PASSWORD},
        headers={**auth(laptop["access_token"]), "Waymark-Device": laptop["device_token"]},
    )
    assert renamed.status_code == 200
    other = register(client)["account"]["handle"]
    answers = []
    for number, candidate in enumerate((new, other)):
        abusers = [TestClient(app, client=(f"198.51.{number}.{n}", 40000)) for n in range(1, 7)]
        for abuser in abusers[:5]:
            login(abuser, candidate, WRONG)
        answers.append(login(abusers[5], candidate, WRONG, phone_device).status_code)
    assert answers == [429, 429]


def test_guesses_sent_all_at_once_get_no_more_tries(app: FastAPI) -> None:
    """Forty guesses raced from forty addresses: each is counted against the handle before any
    is checked, so no more than the handle's five get a hearing."""
    client = TestClient(app)
    handle = register(client)["account"]["handle"]
    statuses: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(40)

    def guess(number: int) -> None:
        guesser = TestClient(app, client=(f"198.51.100.{number}", 40000))
        gate.wait()
        answer = login(guesser, handle, WRONG)
        with lock:
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(1, 41)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(401) <= 5
    assert statuses.count(429) >= 35


def test_a_trusted_device_is_not_blocked_by_its_networks_failures(
    client: TestClient, app: FastAPI
) -> None:
    """The abuser shares the member's network (a household, a shelter's wifi): failing there
    blocks the address, never the member's trusted device."""
    member = register(client)
    shared = TestClient(app, client=("203.0.113.7", 40000))
    for number in range(40):
        login(shared, f"nobody-{number:03d}", WRONG)
    assert login(shared, member["account"]["handle"], PASSWORD).status_code == 429
    trusted = login(shared, member["account"]["handle"], PASSWORD, member["token"]["device_token"])
    assert trusted.status_code == 200
