"""Runs the Microsoft 365 Agents Playground against a local bot and drives its web page with Playwright.

See BOTFRAMEWORK.md ("The Microsoft 365 Agents Playground as a test client") and tests/e2e/README.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cards.render_check.browser import CHROMIUM, launch_chromium

REPO = Path(__file__).resolve().parents[2]

PLAYGROUND_BIN = REPO / "node_modules" / ".bin" / "agentsplayground"
CONFIG_FILE = ".m365agentsplayground.yml"
LISTENING = re.compile(r"Listening on (\d+)")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback never goes through a proxy

# Minified Fluent UI markup of @microsoft/m365agentsplayground 0.2.28: re-check these when the pin moves.
MESSAGE_BOX = '[role="textbox"][data-lexical-editor="true"]'
BOT_MESSAGE = ".fai-OutputCard"
CARD = ".ac-adaptiveCard"


def missing_tools() -> list[str]:
    """What a Playground test needs and cannot find; empty when it can run."""
    missing = [f"{CHROMIUM} (run scripts/install_browser_deps.sh)"] if not CHROMIUM.exists() else []
    if not PLAYGROUND_BIN.exists():
        missing.append(f"{PLAYGROUND_BIN} (run npm ci)")
    if shutil.which("node") is None:
        missing.append("node")
    return missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class User:
    id: str
    name: str
    aad_object_id: str
    email: str


def _user(number: int, name: str) -> User:
    given = name.split()[0].lower()
    return User(
        f"29:1kl-test-user-{number}", name, f"00000000-0000-4000-8000-00000000002{number}", f"{given}@example.se"
    )


@dataclass(frozen=True)
class Identities:
    """Who is who in one Playground: its config file must name exactly five users besides the current one."""

    tenant_id: str = "00000000-0000-4000-8000-000000000001"
    bot_id: str = "00000000-0000-4000-8000-000000000011"
    bot_name: str = "Kompetenslyft"
    current_user: User = _user(0, "Anna Lindberg")
    users: tuple[User, ...] = field(
        default=tuple(
            _user(n, name)
            for n, name in enumerate(["Karin Ek", "Erik Holm", "Sara Nilsson", "Johan Berg", "Maria Sund"], start=1)
        )
    )
    personal_chat_id: str = "a:1kl-test-personal-chat"
    group_chat_id: str = "19:kl-test-group-chat@thread.v2"
    team_id: str = "19:kl-test-team@thread.tacv2"
    # The Playground adds a "General" channel with the team id itself and refuses a second use of any id.
    channel_id: str = "19:kl-test-channel@thread.tacv2"

    def as_user(self, user: User, *, chat_suffix: str | None = None) -> Identities:
        """The same tenant and bot seen by `user`: they become the current user and the current one joins the others.

        Chat and team ids get a suffix, so that two Playgrounds against one bot never share a conversation id.
        """
        if user not in self.users:
            raise ValueError(f"{user.name} is not one of this Playground's users")
        suffix = chat_suffix or user.id.rsplit("-", 1)[-1]
        others = tuple(self.current_user if other == user else other for other in self.users)
        return replace(
            self,
            current_user=user,
            users=others,
            personal_chat_id=f"{self.personal_chat_id}-{suffix}",
            group_chat_id=self.group_chat_id.replace("@", f"-{suffix}@"),
            team_id=self.team_id.replace("@", f"-{suffix}@"),
            channel_id=self.channel_id.replace("@", f"-{suffix}@"),
        )

    def user(self, name: str) -> User:
        """The user whose name starts with `name` ("Karin"), the current user included."""
        for user in (self.current_user, *self.users):
            if user.name.split()[0] == name or user.name == name:
                return user
        raise KeyError(name)

    def to_yaml(self) -> str:
        """The config file; every value is a JSON string, which YAML reads as a double-quoted scalar."""
        if len(self.users) != 5:
            raise ValueError(f"the Playground needs exactly 5 other users, not {len(self.users)}")
        q = json.dumps
        lines = [
            f"version: {q('0.1.1')}",
            f"tenantId: {q(self.tenant_id)}",
            "bot:",
            f"  id: {q(self.bot_id)}",
            f"  name: {q(self.bot_name)}",
            "currentUser:",
            *_user_lines(self.current_user, "  "),
            "users:",
            *(line for user in self.users for line in _user_lines(user, "  - ", "    ")),
            "personalChat:",
            f"  id: {q(self.personal_chat_id)}",
            "groupChat:",
            f"  id: {q(self.group_chat_id)}",
            f"  name: {q('Kompetenslyft test group')}",
            "team:",
            f"  id: {q(self.team_id)}",
            f"  name: {q('Kulturförvaltningen test team')}",
            f"  aadGroupId: {q('00000000-0000-4000-8000-000000000031')}",
            "  channels:",
            f"    - id: {q(self.channel_id)}",
            f"      name: {q('Digital kompetens')}",
        ]
        return "\n".join(lines) + "\n"


def _user_lines(user: User, first: str, rest: str | None = None) -> list[str]:
    given, _, surname = user.name.partition(" ")
    pairs = [
        ("id", user.id),
        ("name", user.name),
        ("userPrincipleName", user.email),  # sic: the Playground's key
        ("aadObjectId", user.aad_object_id),
        ("givenName", given),
        ("surname", surname),
        ("email", user.email),
    ]
    rest = first if rest is None else rest
    return [f"{first if i == 0 else rest}{key}: {json.dumps(value)}" for i, (key, value) in enumerate(pairs)]


class Playground:
    """One Agents Playground process for one identity, in its own temporary working directory."""

    def __init__(self, bot_port: int, *, identities: Identities = Identities(), startup_timeout: float = 60.0):
        self.bot_port = bot_port
        self.identities = identities
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.output: list[str] = []
        self._workdir: tempfile.TemporaryDirectory | None = None
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def workdir(self) -> Path:
        return Path(self._workdir.name)

    @property
    def log_path(self) -> Path:
        return self.workdir / "devTools" / "m365agentsplayground.log"

    def __enter__(self) -> Playground:
        self._workdir = tempfile.TemporaryDirectory(prefix="playground-")
        config = self.workdir / CONFIG_FILE
        config.write_text(self.identities.to_yaml(), encoding="utf-8")
        try:
            # A busy port makes the Playground move silently, which would break --su: retry on a new port.
            for _ in range(3):
                if self._start(free_port(), config):
                    return self
                self._stop()
            raise RuntimeError("the Playground kept moving away from the port it was given:\n" + self.text_output())
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc) -> None:
        self._stop()
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    def text_output(self) -> str:
        return "".join(self.output)

    def _start(self, port: int, config: Path) -> bool:
        env = os.environ | {
            "TEAMSAPPTESTER_BROWSER": "none",
            "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
            "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
        }
        command = [
            str(PLAYGROUND_BIN),
            "-e",
            f"http://127.0.0.1:{self.bot_port}/api/messages",
            "-c",
            "msteams",
            "-p",
            str(port),
            "--dt",
            "--su",
            f"http://127.0.0.1:{port}/_connector",
        ]
        self.output = []
        self._process = subprocess.Popen(
            _dying_with_parent(command),
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        listening = threading.Event()
        threading.Thread(target=self._read_output, args=(listening,), daemon=True).start()
        if not listening.wait(self.startup_timeout):
            raise RuntimeError(f"the Playground did not start in {self.startup_timeout} s:\n" + self.text_output())
        found = LISTENING.search(self.text_output())
        if found is None:
            raise RuntimeError("the Playground exited before listening:\n" + self.text_output())
        self.port = int(found.group(1))
        if self.port != port:
            return False
        self._wait_until_serving()
        return True

    def _wait_until_serving(self) -> None:
        """It reads its config only after "Listening on": a bad one ends it, with the reason only in its log."""
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""
                raise RuntimeError(f"the Playground exited with {self._process.returncode}:\n{self.text_output()}{log}")
            try:
                with _DIRECT.open(self.url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the Playground did not serve {self.url} in {self.startup_timeout} s")

    def _read_output(self, listening: threading.Event) -> None:
        for line in self._process.stdout:
            self.output.append(line)
            if LISTENING.search(line):
                listening.set()
        listening.set()  # The process ended: let the waiter read the output.

    def _stop(self) -> None:
        process, self._process = self._process, None
        _stop_group(process)


def _dying_with_parent(command: list[str]) -> list[str]:
    """The command behind util-linux `setpriv --pdeathsig KILL`: the kernel kills it when the test process dies,
    even by SIGKILL (a CI timeout), which no `finally` survives. Without setpriv the command runs as it is."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *command] if setpriv else command


def _stop_group(process: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL, to the process's whole group: nothing it started may outlive a test."""
    if process is None:
        return
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; children in its group may still run: make sure of them too.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        break
    if process.poll() is None:
        process.wait(5)


BOT_PYTHON = REPO / ".venv" / "bin" / "python"


class BotProcess:
    """The real bot, `python -m bot`, in its own process group, working directory and SQLite database.

    Settings come only from the environment set here: the working directory is a temporary one, so a
    developer's `.env` in the repository is not read. `command()` runs another `python -m bot` subcommand
    (such as a directory import) against the same database before or while the bot serves.
    """

    def __init__(self, workdir: str | Path, *, extra_env: dict[str, str] | None = None,
                 startup_timeout: float = 60.0):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.database_path = self.workdir / "kompetenslyft.db"
        self.log_path = self.workdir / "bot.log"
        self.startup_timeout = startup_timeout
        self._extra_env = extra_env or {}
        self._process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def python(self) -> str:
        return str(BOT_PYTHON if BOT_PYTHON.exists() else Path(sys.executable))

    def env(self) -> dict[str, str]:
        loopback = "127.0.0.1,localhost"
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), loopback]))
        return os.environ | {
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DATABASE_URL": f"sqlite:///{self.database_path}",
            "MICROSOFT_APP_ID": "",
            "MICROSOFT_APP_PASSWORD": "",
            "ALLOWED_TENANT_IDS": "",
            "DEFAULT_LOCALE": "sv-SE",
            "TIME_ZONE": "Europe/Stockholm",
            "RUN_SCHEDULER": "false",
            # Quiet hours off: the manager's card and the approval notice go out whenever the test runs.
            "WORKING_HOURS": "00:00-24:00",
            "WORKING_DAYS": "1-7",
            "CLOSED_DATES": "",
            "LOG_LEVEL": "INFO",
            # The bot answers the Playground's connector on loopback; a proxy must not be in the way.
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
        } | self._extra_env

    def command(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        """`python -m bot ARGS` with the bot's settings; raises with its output when it fails."""
        result = subprocess.run(
            [self.python, "-m", "bot", *args],
            cwd=self.workdir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"python -m bot {' '.join(args)} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
            )
        return result

    def __enter__(self) -> BotProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w", encoding="utf-8")
        try:
            self._process = subprocess.Popen(
                _dying_with_parent([self.python, "-m", "bot"]),
                cwd=self.workdir,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._wait_until_healthy()
            return self
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc) -> None:
        process, self._process = self._process, None
        try:
            _stop_group(process)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the bot exited with {self._process.returncode}:\n{self.log_text()}")
            try:
                with _DIRECT.open(f"{self.url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the bot did not answer {self.url}/healthz in {self.startup_timeout} s:\n{self.log_text()}")


class LocaleRelay:
    """Sits between the Playground and the bot and gives every activity the locale of a Swedish Teams client.

    The Playground (0.2.28) writes `locale: "en-US"` into every activity it sends, with no setting to change it,
    so without this the bot rightly answers in English. The relay rewrites the activity's `locale` and its
    clientInfo entity's, forwards the request to the bot unchanged otherwise, and returns the bot's status and
    body as they are (invoke responses included).
    """

    def __init__(self, bot_port: int, *, locale: str = "sv-SE"):
        self.bot_url = f"http://127.0.0.1:{bot_port}"
        self.locale = locale
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # (activity type, the bot's HTTP status) of every answered request, in the order the answers came.
        self.answered: list[tuple[str, int]] = []
        self._answered_changed = threading.Condition()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def __enter__(self) -> LocaleRelay:
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, content_type, answer = relay.forward(self.path, body, self.headers)
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # the bot's own log says enough
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)

    def rewrite(self, activity: dict) -> dict:
        if "locale" in activity:
            activity["locale"] = self.locale
        for entity in activity.get("entities") or []:
            if isinstance(entity, dict) and entity.get("type") == "clientInfo" and "locale" in entity:
                entity["locale"] = self.locale
        return activity

    def forward(self, path: str, body: bytes, headers) -> tuple[int, str | None, bytes]:
        try:
            activity = json.loads(body)
        except ValueError:
            activity = None
        kind = str(activity.get("type")) if isinstance(activity, dict) else "?"
        if isinstance(activity, dict):
            body = json.dumps(self.rewrite(activity)).encode("utf-8")
        forwarded = {name: headers[name] for name in ("Content-Type", "Authorization") if headers.get(name)}
        request = urllib.request.Request(self.bot_url + path, data=body, headers=forwarded, method="POST")
        try:
            with _DIRECT.open(request, timeout=60) as response:
                answer = response.status, response.headers.get("Content-Type"), response.read()
        except urllib.error.HTTPError as error:
            answer = error.code, error.headers.get("Content-Type"), error.read()
        except OSError as error:
            answer = 502, "text/plain", f"the bot did not answer: {error}".encode()
        with self._answered_changed:
            self.answered.append((kind, answer[0]))
            self._answered_changed.notify_all()
        return answer

    def wait_for_answers(self, kind: str, count: int, *, timeout: float = 30.0) -> None:
        """Waits until the bot has answered `count` activities of type `kind` (its replies are sent by then)."""
        def enough() -> bool:
            return sum(1 for answered, _ in self.answered if answered == kind) >= count

        with self._answered_changed:
            if not self._answered_changed.wait_for(enough, timeout):
                raise TimeoutError(f"the bot answered {self.answered}, not {count} × {kind}, in {timeout} s")


class PlaygroundPage:
    """The Playground's chat page, with the selectors from BOTFRAMEWORK.md; outside hosts are blocked."""

    def __init__(self, page, playground: Playground, *, timeout_ms: float = 30_000):
        self.page = page
        self.playground = playground
        self.timeout_ms = timeout_ms
        page.set_default_timeout(timeout_ms)
        # Fonts and a script from a CDN: blocked, the closed network would only stall the page.
        page.route("https://**/*", lambda route: route.abort())

    @classmethod
    def new(cls, browser, playground: Playground, **kwargs) -> PlaygroundPage:
        """A page in a fresh context: a desktop-sized window, Swedish locale, Stockholm time."""
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="sv-SE", timezone_id="Europe/Stockholm"
        )
        return cls(context.new_page(), playground, **kwargs)

    @property
    def bot_messages(self):
        return self.page.locator(BOT_MESSAGE)

    def open(self) -> PlaygroundPage:
        """Loads the chat and waits for the bot's welcome card: input typed before it is lost."""
        self.page.goto(self.playground.url)
        self.page.locator(CARD).first.wait_for(state="visible")
        return self

    def send(self, text: str) -> None:
        box = self.page.locator(MESSAGE_BOX)
        box.click()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")

    def wait_for_bot_messages(self, count: int) -> None:
        """Waits until the page shows at least `count` bot messages."""
        self.page.wait_for_function(
            "([selector, count]) => document.querySelectorAll(selector).length >= count",
            arg=[BOT_MESSAGE, count],
            timeout=self.timeout_ms,
        )

    def last_card(self):
        return self.page.locator(CARD).last

    def click_button(self, name: str) -> None:
        self.last_card().get_by_role("button", name=name, exact=True).click()

    def choose_radio(self, name: str) -> None:
        self.last_card().get_by_role("radio", name=name, exact=True).check()

    def fill(self, label: str, text: str) -> None:
        self.last_card().get_by_label(label, exact=True).fill(text)

    def dropdowns(self):
        """The last card's compact choice sets: the Playground draws them as Fluent UI comboboxes."""
        return self.last_card().get_by_role("combobox")

    def choose_in_dropdown(self, dropdown, option: str | re.Pattern) -> None:
        """Opens a combobox and clicks an option (its whole name, or a pattern); the list pops up outside the card."""
        dropdown.click()
        exact = isinstance(option, str) or None
        self.page.get_by_role("listbox").get_by_role("option", name=option, exact=exact).click()

    def radio_groups(self):
        """The last card's expanded choice sets, one radiogroup each."""
        return self.last_card().get_by_role("radiogroup")

    def wait_for_card_text(self, text: str):
        """The last card, once it shows `text` (an Action.Execute answer replaces the card in place)."""
        card = self.last_card()
        card.get_by_text(text, exact=False).first.wait_for(state="visible")
        return card

    def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path


__all__ = [
    "BotProcess",
    "Identities",
    "LocaleRelay",
    "Playground",
    "PlaygroundPage",
    "User",
    "free_port",
    "launch_chromium",
    "missing_tools",
]
