"""Start the whole assistant: action server, Rasa and the gateway, on 127.0.0.1, and
keep it running.

Used by `make run` and by the integration tests. Ctrl-C (or SIGTERM) stops all
three. If one part dies, the supervisor says so and starts it again after a pause
that grows while it keeps dying (1 s, 2 s, 4 s ... at most a minute; back to 1 s
once it has run for a minute); the others go on (the gateway answers with the
apology meanwhile).

Secrets never go on a command line (`ps` shows those to everyone): Rasa's token and
the action server's are made anew at every start and given by the environment. The
run folder is for its owner only (0700; files 0600: databases, logs, keys).

    python -m channels.tools.stack --model .build/models/<hash>.tar.gz
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

PRIVATE_UMASK = 0o077   # what the parts create is theirs alone
BACKOFF_FIRST, BACKOFF_MAX, STEADY_SECONDS = 1.0, 60.0, 60.0

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class StackConfig:
    model: Path
    rasa_python: Path = ROOT / ".venv-rasa" / "bin" / "python"
    gateway_python: Path = Path(sys.executable)
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_port: int = 5005
    actions_port: int = 5055
    run_dir: Path = ROOT / ".run"
    extra_env: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    """A port nobody listens on now (tests and benchmarks never collide with make run)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StackError(Exception):
    pass


class Stack:
    """The three processes, started in order and stopped together."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.token = secrets.token_hex(24)  # Rasa's HTTP API token, new every start
        self.action_token = secrets.token_hex(24)   # what Rasa shows the action server
        self.procs: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, Path] = {}
        self._argv: dict[str, list[str]] = {}
        self._supervisor: Optional[Supervisor] = None

    @property
    def gateway_url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    # which part needs which secret: the gateway calls Rasa, Rasa calls the action server
    SECRETS = {"gateway": ("KAIFONG_RASA_TOKEN",), "actions": ("KAIFONG_ACTION_TOKEN",),
               "rasa": ("KAIFONG_RASA_TOKEN", "KAIFONG_ACTION_TOKEN")}

    def _env(self, name: str) -> dict[str, str]:
        c = self.config
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": c.host,
            "KAIFONG_ACTION_URL": f"http://{c.host}:{c.actions_port}",
            "KAIFONG_RASA_URL": f"http://{c.host}:{c.rasa_port}",
            "KAIFONG_RASA_TOKEN": self.token,
            "KAIFONG_ACTION_TOKEN": self.action_token,
            "KAIFONG_TRACKER_DB": str(c.run_dir / "rasa_tracker.db"),
            "KAIFONG_HOST": c.host,
            "KAIFONG_PORT": str(c.port),
            "KAIFONG_DATA_DIR": str(c.run_dir),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(c.extra_env)
        for secret in {"KAIFONG_RASA_TOKEN", "KAIFONG_ACTION_TOKEN"} - set(self.SECRETS[name]):
            env.pop(secret, None)   # a part holds only the secrets it uses
        return env

    def _spawn(self, name: str, argv: list[str]) -> None:
        log_path = self.config.run_dir / f"{name}.log"
        self._logs[name] = log_path
        self._argv[name] = list(argv)
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.chmod(log_path, 0o600)   # a log from before this rule was readable by all
        with os.fdopen(fd, "ab") as out:  # the child keeps its own copy of the file
            self.procs[name] = subprocess.Popen(
                argv, cwd=ROOT, env=self._env(name), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # our own Ctrl-C handling stops them in order
                umask=PRIVATE_UMASK)

    def argv(self, name: str) -> list[str]:
        """How each part is started (no secret in any of them)."""
        c = self.config
        return {
            "actions": [str(c.rasa_python), "-m", "actions.server", "--port", str(c.actions_port)],
            "rasa": [str(c.rasa_python), "-m", "bot.rasa_server", "--model", str(c.model),
                     "--enable-api", "--interface", c.host, "--port", str(c.rasa_port),
                     "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml"],
            "gateway": [str(c.gateway_python), "-m", "channels"],
        }[name]

    def start(self, timeout: float = 240.0) -> None:
        c = self.config
        if not c.model.is_file():
            raise StackError(f"no trained model at {c.model}: run 'make train'")
        make_private(c.run_dir)
        for name in ("actions", "rasa", "gateway"):
            self._spawn(name, self.argv(name))
        deadline = time.monotonic() + timeout
        for name in ("actions", "rasa", "gateway"):
            self.wait_ready(name, deadline - time.monotonic())

    # --- keeping it running ------------------------------------------------------------

    def supervise(self, say: Callable[[str], None] = print) -> "Supervisor":
        """Watch the parts from a thread and start again any that dies (see the module
        docstring). `stop()` ends the watch first."""
        self._supervisor = Supervisor(self, say)
        self._supervisor.start()
        return self._supervisor

    def _ready_url(self, name: str) -> str:
        c = self.config
        return {"actions": f"http://{c.host}:{c.actions_port}/health",
                "rasa": f"http://{c.host}:{c.rasa_port}/status?token={self.token}",
                "gateway": f"{self.gateway_url}/healthz"}[name]

    def wait_ready(self, name: str, timeout: float = 240.0) -> None:
        url = self._ready_url(name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise StackError(f"{name} did not become ready in time; see {self._logs.get(name)}")

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None:
                raise StackError(f"{name} exited with code {code}; last lines of {self._logs[name]}:\n"
                                 + self.tail(name))

    def tail(self, name: str, lines: int = 15) -> str:
        path = self._logs.get(name)
        if not path or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop_process(self, name: str, grace: float = 10.0) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    def restart_process(self, name: str) -> None:
        """Used by tests: stop one part and start it again."""
        argv = self._argv.get(name) or list(self.procs[name].args)
        self.stop_process(name)
        self._spawn(name, argv)

    def respawn(self, name: str) -> None:
        """Start a part that has died again, as it was started."""
        self._spawn(name, self._argv[name])

    def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
        for name in ("gateway", "rasa", "actions"):
            self.stop_process(name)


class Supervisor(threading.Thread):
    """Start again, with a growing pause, any part that has died; say so each time.
    Each part has its own pause: one part waiting to start again never keeps another's
    death from being seen."""

    def __init__(self, stack: Any, say: Callable[[str], None], every: float = 0.5,
                 first: float = BACKOFF_FIRST, most: float = BACKOFF_MAX,
                 steady: float = STEADY_SECONDS) -> None:
        super().__init__(name="kaifong-supervisor", daemon=True)
        self.stack, self.say, self.every = stack, say, every
        self.first, self.most, self.steady = first, most, steady
        self.restarts: dict[str, int] = {}
        self._stopping = threading.Event()
        self._pause = {name: first for name in stack.procs}
        self._since = {name: time.monotonic() for name in stack.procs}
        self._due: dict[str, float] = {}      # a dead part: when it starts again

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=10)

    def run(self) -> None:
        while not self._stopping.wait(self.every):
            for name, proc in list(self.stack.procs.items()):
                if self._stopping.is_set():
                    return
                now = time.monotonic()
                if name in self._due:
                    if now >= self._due[name]:
                        self._start_again(name, now)
                    continue
                code = proc.poll()
                if code is None:
                    if now - self._since[name] > self.steady:
                        self._pause[name] = self.first   # it runs again: forgive
                    continue
                pause = self._pause.get(name, self.first)
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                self.say(f"kaifong: {name} stopped ({how}); starting it again in {pause:.0f} s "
                         f"(log: {self.stack._logs.get(name)})")
                self._due[name] = now + pause

    def _start_again(self, name: str, now: float) -> None:
        del self._due[name]
        try:
            self.stack.respawn(name)
        except OSError as exc:
            self.say(f"kaifong: {name} could not be started again: {exc}")
        self.restarts[name] = self.restarts.get(name, 0) + 1
        self._since[name] = now
        self._pause[name] = min(self.most, self._pause.get(name, self.first) * 2)


def make_private(run_dir: Path) -> None:
    """The run folder and everything in it for its owner only (databases, their
    write-ahead logs, logs, keys: callback numbers, transcripts, password hashes)."""
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(run_dir, 0o700)
    for path in run_dir.rglob("*"):
        if path.is_symlink():
            continue
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def phone_line(gateway_url: str) -> str:
    """Where the hotline answers, or why it does not (from the gateway's /healthz)."""
    try:
        with urllib.request.urlopen(f"{gateway_url}/healthz", timeout=5) as resp:
            phone = json.load(resp).get("components", {}).get("phone")
    except (urllib.error.URLError, OSError, ValueError):
        return "Phone: unknown (/healthz did not answer)"
    if phone is None:
        return "Phone: off (set phone_enabled to answer calls)"
    if not phone.get("ok"):
        return f"Phone: OFF - {phone.get('error')}"
    return f"Phone: {phone['sip']} ({'+'.join(phone['transports'])})   call it: make call"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--port", type=int, default=int(os.environ.get("KAIFONG_PORT", 8080)))
    args = parser.parse_args(argv)
    # make run answers the hotline too (on phone_sip_listen, 127.0.0.1:5060 by default)
    phone = {"KAIFONG_PHONE_ENABLED": os.environ.get("KAIFONG_PHONE_ENABLED", "true")}
    stack = Stack(StackConfig(model=args.model, port=args.port, extra_env=phone))
    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started with SIGINT ignored (a background job)
    try:
        print("Starting the action server, Rasa and the gateway (Rasa takes about half a minute)...",
              flush=True)
        stack.start()
        print(f"\nKaifong is ready: {stack.gateway_url}/", flush=True)
        print(f"  API: POST {stack.gateway_url}/api/conversations, then /api/chat   "
              f"health: {stack.gateway_url}/healthz")
        print(f"  {phone_line(stack.gateway_url)}")
        print(f"  Logs: {stack.config.run_dir}/*.log     Press Ctrl-C to stop.\n", flush=True)
        stack.supervise(lambda line: print(line, file=sys.stderr, flush=True))
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    except StackError as exc:
        print(f"kaifong: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C (or SIGTERM) must not interrupt the shutdown half-way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
