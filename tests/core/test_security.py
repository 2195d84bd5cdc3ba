"""Password hashing limits and token shape."""

import threading
import time
from typing import Any

import pytest

from app.core.security import PasswordHasher, new_token, token_digest


def test_no_more_hashes_run_at_once_than_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, max_concurrent=2)
    running, peak, lock = 0, 0, threading.Lock()
    real_hash = hasher.context.hash

    def slow_hash(password: str, **kwargs: Any) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)  # long enough for every thread to pile up at the gate
        with lock:
            running -= 1
        return str(real_hash(password, **kwargs))

    monkeypatch.setattr(hasher.context, "hash", slow_hash)
    threads = [threading.Thread(target=hasher.hash, args=("some password",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_tokens_are_long_random_and_hashed_with_sha256() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 43 for token in tokens)
    assert len(token_digest("abc")) == 64
    assert token_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
