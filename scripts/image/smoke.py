"""Smoke test of the production image: the bot from the image on loopback, on SQLite and on PostgreSQL.

For each database: the migration job (`python -m bot migrate`, a separate run of the same image), then the bot
(`python -m bot`, as the image's user, MIGRATE_ON_START=false as in production); wait for /readyz; a Teams
message and an Action.Execute answered through a fake Teams connector; the tab's scripts served (teams-js
vendored into the image); SIGTERM and a clean exit (status 0).
Run by scripts/image/check.sh after the build: `.venv/bin/python scripts/image/smoke.py IMAGE [POSTGRES_URL]`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes import activities  # noqa: E402
from tests.fakes.activities import TeamsUser  # noqa: E402
from tests.fakes.connector import FakeTeamsConnector  # noqa: E402

PORT = 3991
BASE = f"http://127.0.0.1:{PORT}"


def main(image: str, postgres_url: str | None) -> int:
    databases = {"sqlite": "sqlite:////var/lib/kompetenslyft/smoke.db"}
    if postgres_url:
        databases["postgres"] = postgres_url
    failures = 0
    for name, url in databases.items():
        try:
            smoke(image, name, url)
            print(f"image smoke on {name}: ok")
        except Exception as error:  # report every backend, then fail
            failures += 1
            print(f"image smoke on {name}: FAILED: {error}")
    return 1 if failures else 0


def smoke(image: str, name: str, database_url: str) -> None:
    container = _run(["buildah", "from", "--pull=never", image]).strip()
    try:
        env = ["-e", f"DATABASE_URL={database_url}", "-e", f"PORT={PORT}", "-e", "HOST=127.0.0.1",
               "-e", "RUN_SCHEDULER=false"]
        run = ["buildah", "run", "--isolation", "chroot", "--network", "host", *env, container, "--"]
        _run([*run, "python", "-m", "bot", "migrate"])
        with FakeTeamsConnector() as connector:
            bot = subprocess.Popen([*run, "python", "-m", "bot"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
            try:
                _wait_ready(bot)
                _converse(connector)
                _stop(bot)
            finally:
                if bot.poll() is None:
                    bot.kill()
    finally:
        subprocess.run(["buildah", "rm", container], capture_output=True)


def _converse(connector: FakeTeamsConnector) -> None:
    user = TeamsUser.create("Anna Lindberg", service_url=connector.base_url)
    connector.register(user)
    status, _ = _post(activities.text(user, "hjälp"))
    assert status in (200, 201), f"a typed message got HTTP {status}"
    connector.wait_for(1, conversation_id=user.conversation_id, timeout=20)
    assert connector.cards(user.conversation_id), "the menu card did not reach the connector"
    status, body = _post(activities.execute(user, "menu.help", {}))
    assert status == 200, f"an Action.Execute got HTTP {status}"
    assert body.get("type") == "application/vnd.microsoft.card.adaptive", f"no card in the invoke answer: {body}"
    for path in ("/tab/static/tab.js", "/tab/static/vendor/MicrosoftTeams.min.js"):
        with urllib.request.urlopen(BASE + path, timeout=10) as response:
            assert response.status == 200 and len(response.read()) > 100, f"the image does not serve {path}"


def _stop(bot: subprocess.Popen) -> None:
    pid = _bot_pid(bot.pid)
    started = time.monotonic()
    subprocess.run(["kill", "-TERM", str(pid)], check=True)
    code = bot.wait(timeout=30)
    output = bot.stdout.read() if bot.stdout else ""
    assert code == 0, f"the bot exited with {code} after SIGTERM:\n{output[-2000:]}"
    print(f"  SIGTERM: exit 0 after {time.monotonic() - started:.1f} s")


def _bot_pid(buildah_pid: int) -> int:
    """The bot's own process: the Python descendant of `buildah run`, running as the image's non-root user."""
    for _ in range(50):
        out = subprocess.run(["ps", "-eo", "pid=,ppid=,uid=,args="], capture_output=True, text=True).stdout
        rows = [line.split(None, 3) for line in out.splitlines()]
        children: dict[int, list[tuple[int, int, str]]] = {}
        for pid, ppid, uid, args in rows:
            children.setdefault(int(ppid), []).append((int(pid), int(uid), args))
        stack = [buildah_pid]
        while stack:
            for pid, uid, args in children.get(stack.pop(), []):
                # buildah-chroot-exec (same user) is only the wrapper that starts it.
                if uid == 10001 and args.startswith("/opt/kompetenslyft/bin/python"):
                    return pid
                stack.append(pid)
        time.sleep(0.1)
    raise AssertionError("no process of the image's user (uid 10001) under buildah run")


def _wait_ready(bot: subprocess.Popen) -> None:
    """Until /readyz says 200: the database is reachable and the schema at the image's head."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if bot.poll() is not None:
            raise AssertionError(f"the bot exited with {bot.returncode}:\n{bot.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(BASE + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError("the bot was not ready (/readyz) within 60 s")


def _post(activity: dict) -> tuple[int, dict]:
    request = urllib.request.Request(BASE + "/api/messages", data=json.dumps(activity).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as error:
        return error.code, {}


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command[:4])} … failed ({result.returncode}): {result.stderr[-1500:]}")
    return result.stdout


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
