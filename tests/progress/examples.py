"""The worked example of docs/progress.md, shared by the tests that check it figure by figure."""

from datetime import date

from app.progress.engine import Day, Level

WORKED_EXAMPLE_TRACKS = [("substances", "Substances"), ("the-life", "The life")]


def worked_example() -> list[Day]:
    """1 October to 15 November 2026: two lapses on substances, a silence, three stretches."""

    def both_free(month: int, day: int) -> Day:
        return Day(date(2026, month, day), {"substances": "none", "the-life": "none"})

    def lapse(day: int, level: Level) -> Day:
        return Day(date(2026, 10, day), {"substances": level, "the-life": "none"})

    return [
        *(both_free(10, day) for day in (1, 2, 3, 5, 6, 7, 8, 9, 10)),
        lapse(11, "some"),
        lapse(12, "heavy"),
        *(both_free(10, day) for day in range(14, 21)),
        *(both_free(11, day) for day in range(8, 16)),
    ]
