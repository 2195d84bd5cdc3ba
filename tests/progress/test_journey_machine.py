"""A Hypothesis state machine over random check-in puts and deletes through the API (SECURITY 37).

After every step the API's journey must equal the pure engine's over the same days, returns must be
episodes - 1, days on track must never drop when a later check-in is added, and milestones stay once
reached unless check-ins behind them are edited or removed.
"""

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from app.progress.engine import Day, journey
from tests.factories import auth, register

TODAY = date(2026, 11, 23)
LEVELS = st.sampled_from(["none", "none", "some", "heavy"])
DAYS_AGO = st.integers(min_value=0, max_value=60)


class JourneyMachine(RuleBasedStateMachine):
    def __init__(self, client: TestClient, member: dict[str, Any]) -> None:
        super().__init__()
        self.client, self.headers = client, auth(member)
        self.days: dict[date, str] = {}
        self.reached: set[tuple[str, int, str]] = set()
        self.last_total = 0

    def _put(self, day: date, level: str) -> None:
        response = self.client.put(
            f"/v1/checkins/{day.isoformat()}",
            json={"lapses": {"recovery": level}},
            headers=self.headers,
        )
        assert response.status_code in (200, 201), response.text
        self.days[day] = level

    def _progress(self) -> dict[str, Any]:
        response = self.client.get("/v1/progress", headers=self.headers)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    def _milestones(self, result: dict[str, Any]) -> set[tuple[str, int, str]]:
        return {(m["kind"], m["threshold"], m["reached_on"]) for m in result["milestones"]}

    @rule(level=LEVELS)
    def check_in_after_the_last_day(self, level: str) -> None:
        last = max(self.days, default=TODAY - timedelta(days=61))
        if last >= TODAY:
            return
        before = self._progress()
        self._put(last + timedelta(days=1), level)
        after = self._progress()
        if level == "none":
            assert after["days_on_track_total"] >= before["days_on_track_total"]
        assert self._milestones(after) >= self._milestones(before)

    @rule(days_ago=DAYS_AGO, level=LEVELS)
    def edit_any_day(self, days_ago: int, level: str) -> None:
        self._put(TODAY - timedelta(days=days_ago), level)

    @rule(days_ago=DAYS_AGO)
    def delete_any_day(self, days_ago: int) -> None:
        day = TODAY - timedelta(days=days_ago)
        response = self.client.delete(f"/v1/checkins/{day.isoformat()}", headers=self.headers)
        assert response.status_code == (204 if day in self.days else 404)
        self.days.pop(day, None)

    @invariant()
    def the_api_agrees_with_the_engine(self) -> None:
        result = self._progress()
        expected = journey(
            [Day(day, {"recovery": level}) for day, level in self.days.items()],  # type: ignore[dict-item]
            [("recovery", "Recovery")],
            TODAY,
        )
        assert result["returns"] == max(0, len(result["episodes"]) - 1)
        assert result["days_on_track_total"] == sum(e["days"] for e in result["episodes"])
        assert result["days_on_track_total"] == expected.days_on_track_total
        assert result["returns"] == expected.returns
        assert result["state"] == expected.state.value
        assert self._milestones(result) == {
            (m.kind, m.threshold, m.reached_on.isoformat()) for m in expected.milestones
        }


def test_journey_state_machine(client: TestClient) -> None:
    member = register(client)

    def fresh_machine() -> JourneyMachine:
        # One member for the whole run: start each example from an empty history.
        for item in client.get("/v1/checkins", params={"limit": 100}, headers=auth(member)).json()[
            "items"
        ]:
            client.delete(f"/v1/checkins/{item['date']}", headers=auth(member))
        return JourneyMachine(client, member)

    run_state_machine_as_test(
        fresh_machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
