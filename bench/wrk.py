"""Load with wrk: Lua scripts for Waymark's scenarios, and their results as numbers.

Every script ends with the same `done` hook, which prints one JSON line: requests, duration,
socket errors, non-2xx/3xx answers and latency percentiles. Requests rotate through lists built in
Python; each wrk thread starts at its own offset so threads do not repeat each other's requests.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"socket_errors":%d,"bad_status":%d,'
    .. '"p50_us":%d,"p95_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""

THREADS = """
local next_thread = 0
setup = function(thread)
  thread:set("offset", next_thread)
  next_thread = next_thread + 1
end
"""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    socket_errors: int
    bad_status: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string for these characters


def lua_list(values: list[str]) -> str:
    return "{" + ",".join(lua_string(value) for value in values) + "}"


def rotating(method: str, paths: list[str], headers: dict[str, str], body: str | None) -> str:
    """Requests cycling through `paths`, all with the same headers and body."""
    header_table = ",".join(f"[{lua_string(k)}]={lua_string(v)}" for k, v in headers.items())
    return f"""
{THREADS}
local paths = {lua_list(paths)}
local headers = {{{header_table}}}
local body = {lua_string(body) if body is not None else "nil"}
local n = 0
request = function()
  n = n + 1
  local path = paths[((n * 7 + (offset or 0)) % #paths) + 1]
  return wrk.format({lua_string(method)}, path, headers, body)
end
{DONE}"""


def checkins(tokens: list[str], days: list[str], threads: int, body: str) -> str:
    """PUT /v1/checkins/{date}: each request a different (member, day), no thread repeating
    another's, so every request writes a day that was not there before."""
    return f"""
{THREADS}
local tokens = {lua_list(tokens)}
local days = {lua_list(days)}
local body = {lua_string(body)}
local n = 0
request = function()
  local k = n * {threads} + (offset or 0)
  n = n + 1
  local token = tokens[(k % #tokens) + 1]
  local day = days[(math.floor(k / #tokens) % #days) + 1]
  return wrk.format("PUT", "/v1/checkins/" .. day, {{
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}}, body)
end
{DONE}"""


def logins(threads: int) -> str:
    """A flood of wrong-password logins, for handles that exist nowhere."""
    return f"""
{THREADS}
local n = 0
request = function()
  n = n + 1
  local body = string.format(
    '{{"handle":"flood-%d-%d","password":"not the password at all"}}', offset or 0, n)
  return wrk.format("POST", "/v1/auth/login", {{["Content-Type"] = "application/json"}}, body)
end
{DONE}"""


def run(url: str, script: str, threads: int, connections: int, seconds: int) -> Result:
    program = shutil.which("wrk")
    if program is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        path = Path(handle.name)
    try:
        finished = subprocess.run(
            [program, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(path), url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        path.unlink()
    line = next(text for text in reversed(finished.stdout.splitlines()) if text.startswith("{"))
    data: dict[str, Any] = json.loads(line)
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        socket_errors=data["socket_errors"],
        bad_status=data["bad_status"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )
