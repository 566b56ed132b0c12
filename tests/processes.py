"""Servers the tests start as processes, on ports nobody else can take from under them.

A port found free and bound later by a child is a race (another test run, or a
test in this one, may take it in between). So: a child that loses the race
(its log says "address already in use") is started again on new ports, and a
server counts as ready only when the port answering is one of ITS sockets
(read from /proc), never a stranger's that happened to be there.
A "dead" address (Rasa is down) is a port we keep bound without listening:
connections are refused, and no one else can bind it while the tests run.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from channels.tools.stack import ROOT, Stack, StackConfig, StackError, free_port
from tests.handoff.conftest import PASSWORD

ADDRESS_IN_USE = "address already in use"
START_ATTEMPTS = 5
T = TypeVar("T")

_held: list[socket.socket] = []


def dead_port() -> int:
    """A port that refuses connections for the whole test session."""
    if not _held:
        sock = socket.socket()            # no SO_REUSEADDR: nobody can bind it beside us
        sock.bind(("127.0.0.1", 0))       # bound, never listening: connections are refused
        _held.append(sock)
    return _held[0].getsockname()[1]


def dead_url() -> str:
    return f"http://127.0.0.1:{dead_port()}"


# --- who listens on a port -----------------------------------------------------------

def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:   # LISTEN
                inodes.add(fields[9])
    return inodes


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()   # after "pid (name) "
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def owns_port(pgid: int, port: int) -> bool:
    """Does a process of this process group (our child, started in its own session)
    listen on `port`?"""
    wanted = _listening_inodes(port)
    for pid in _group_pids(pgid):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in wanted:
                return True
    return False


class PortTaken(Exception):
    """Someone else took the port between finding it free and our child binding it."""


def retry_on_taken_port(start: Callable[[], T], attempts: int = START_ATTEMPTS) -> T:
    """`start()` again (it picks new ports each time) while it loses the port race."""
    for attempt in range(1, attempts + 1):
        try:
            return start()
        except PortTaken:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


# --- the whole stack on new ports ------------------------------------------------------

# The tests talk to a stack as many people at once, each from an address of its own
# (tests/integration/helpers.py: X-Forwarded-For), through 127.0.0.1 as a trusted proxy:
# the limits per address stay the defaults a community centre gets.
TEST_ENV = {"KAIFONG_TRUSTED_PROXIES": "127.0.0.1"}


def start_stack(model: Path, run_dir: Path, **extra_env: str) -> Stack:
    """Action server, Rasa and gateway on fresh ports in `run_dir`, started and owned."""
    def start() -> Stack:
        config = StackConfig(model=model, gateway_python=Path(sys.executable), port=free_port(),
                             rasa_port=free_port(), actions_port=free_port(), run_dir=run_dir,
                             extra_env={**TEST_ENV, **extra_env})
        stack = Stack(config)
        try:
            stack.start()
            check_stack_owns_its_ports(stack)
        except (StackError, PortTaken) as exc:
            stack.stop()
            if isinstance(exc, PortTaken) or ADDRESS_IN_USE in str(exc):
                raise PortTaken(str(exc)) from exc
            raise
        return stack
    return retry_on_taken_port(start)


def check_stack_owns_its_ports(stack: Stack) -> None:
    c = stack.config
    stack.check_alive()
    for name, port in (("actions", c.actions_port), ("rasa", c.rasa_port), ("gateway", c.port)):
        if not owns_port(stack.procs[name].pid, port):
            raise PortTaken(f"{name}: port {port} answers, but not from our process")


def restart_and_wait(stack: Stack, name: str, timeout: float = 240.0) -> None:
    """Stop one part and start it again on the same port (which it held a moment ago)."""
    stack.restart_process(name)
    stack.wait_ready(name, timeout)
    port = {"actions": stack.config.actions_port, "rasa": stack.config.rasa_port,
            "gateway": stack.config.port}[name]
    assert owns_port(stack.procs[name].pid, port), f"{name} came back, but not on port {port}"


# --- one more gateway on an existing stack's Rasa --------------------------------------

class Gateway:
    """`python -m channels` with its own settings and its own run dir (its own queue),
    talking to a running stack's Rasa and action server."""

    def __init__(self, stack: Stack, run_dir: Path, **settings: Any) -> None:
        c = stack.config
        self.host = c.host
        self.run_dir = run_dir
        self.port = 0
        self.env = dict(os.environ)
        self.env.update({
            "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1",
            "KAIFONG_HOST": c.host, "KAIFONG_DATA_DIR": str(run_dir),
            "KAIFONG_RASA_URL": f"http://{c.host}:{c.rasa_port}",
            "KAIFONG_ACTION_URL": f"http://{c.host}:{c.actions_port}",
            "KAIFONG_RASA_TOKEN": stack.token, **TEST_ENV,
        })
        self.env.update({"KAIFONG_" + k.upper(): str(v) for k, v in settings.items()})
        self.log = run_dir / "gateway.log"
        self.proc: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        """Start on a new port (again on another if someone takes it first)."""
        def start() -> None:
            self._spawn(free_port(), timeout)
        retry_on_taken_port(start)

    def restart(self, timeout: float = 120.0) -> None:
        """Stop and start again on the same port, as a service manager does (on another
        only if someone took it in the moment between)."""
        self.stop()
        try:
            self._spawn(self.port, timeout)
        except PortTaken:
            self.start(timeout)

    def _spawn(self, port: int, timeout: float) -> None:
        self.port = port
        self.env["KAIFONG_PORT"] = str(port)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        start_of_log = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "channels"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                said = self.log.read_bytes()[start_of_log:].decode(errors="replace")
                if ADDRESS_IN_USE in said:
                    raise PortTaken(said[-300:])
                raise RuntimeError(f"the gateway exited:\n{said[-2000:]}")
            if self._answers() and owns_port(self.proc.pid, port):
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the gateway did not start in {timeout} s; see {self.log}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def add_staff(self, username: str, role: str = "admin") -> None:
        """An account made the way an operator does (make staff-add)."""
        add_staff_by_cli(self.run_dir / "kaifong.sqlite3", username, role, self.env)


def add_staff_by_cli(db: Path, username: str, role: str = "admin",
                     env: Optional[dict[str, str]] = None) -> None:
    """The staff CLI behind `make staff-add NAME=… ROLE=…`, password piped in."""
    subprocess.run([sys.executable, "-m", "channels.console.staff", "--db", str(db), "add",
                    username, "--role", role], input=PASSWORD + "\n", text=True, check=True,
                   cwd=ROOT, env=env or dict(os.environ, PYTHONPATH=str(ROOT)),
                   capture_output=True, timeout=120)
