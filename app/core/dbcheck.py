"""`python -m app.core.dbcheck URL`: exit 0 if the database answers. Used by scripts/run-tests."""

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def answers(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3} if "postgres" in url else {})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--redact"]:
        print(redact(argv[1]))
        return 0
    return 0 if answers(argv[0]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
