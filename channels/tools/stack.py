"""Start the whole assistant: action server, Rasa and the gateway, on 127.0.0.1.

Used by `make run` and by the integration tests. Ctrl-C (or SIGTERM) stops all
three; if one dies, the others are stopped and the reason is printed.

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
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

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
        self.procs: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, Path] = {}

    @property
    def gateway_url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    def _env(self) -> dict[str, str]:
        c = self.config
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": c.host,
            "KAIFONG_ACTION_URL": f"http://{c.host}:{c.actions_port}",
            "KAIFONG_RASA_URL": f"http://{c.host}:{c.rasa_port}",
            "KAIFONG_RASA_TOKEN": self.token,
            "KAIFONG_TRACKER_DB": str(c.run_dir / "rasa_tracker.db"),
            "KAIFONG_HOST": c.host,
            "KAIFONG_PORT": str(c.port),
            "KAIFONG_DATA_DIR": str(c.run_dir),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(c.extra_env)
        return env

    def _spawn(self, name: str, argv: list[str]) -> None:
        log_path = self.config.run_dir / f"{name}.log"
        self._logs[name] = log_path
        with open(log_path, "ab") as out:  # the child keeps its own copy of the file
            self.procs[name] = subprocess.Popen(
                argv, cwd=ROOT, env=self._env(), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # our own Ctrl-C handling stops them in order

    def start(self, timeout: float = 240.0) -> None:
        c = self.config
        if not c.model.is_file():
            raise StackError(f"no trained model at {c.model}: run 'make train'")
        c.run_dir.mkdir(parents=True, exist_ok=True)
        self._spawn("actions", [str(c.rasa_python), "-m", "rasa_sdk", "--actions", "actions",
                                "--port", str(c.actions_port)])
        self._spawn("rasa", [str(c.rasa_python), "-m", "rasa", "run", "--model", str(c.model),
                             "--enable-api", "--auth-token", self.token,
                             "--interface", c.host, "--port", str(c.rasa_port),
                             "--credentials", "bot/credentials.yml",
                             "--endpoints", "bot/endpoints.yml"])
        self._spawn("gateway", [str(c.gateway_python), "-m", "channels"])
        deadline = time.monotonic() + timeout
        for name in ("actions", "rasa", "gateway"):
            self.wait_ready(name, deadline - time.monotonic())

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
        argv = self.procs[name].args
        self.stop_process(name)
        self._spawn(name, list(argv))

    def stop(self) -> None:
        for name in ("gateway", "rasa", "actions"):
            self.stop_process(name)


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
        print(f"  API: POST {stack.gateway_url}/api/chat   health: {stack.gateway_url}/healthz")
        print(f"  {phone_line(stack.gateway_url)}")
        print(f"  Logs: {stack.config.run_dir}/*.log     Press Ctrl-C to stop.\n", flush=True)
        while True:
            stack.check_alive()
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
