"""make run's supervisor on real processes (sleep standing in for a part): every death
is seen at once, each part waits its own growing pause, a part that runs long enough
is forgiven."""
from __future__ import annotations

import re
import subprocess
import time

from channels.tools.stack import Supervisor


class Parts:
    """What the supervisor needs of a Stack: the processes, how to start one again."""

    def __init__(self, *names: str) -> None:
        self.procs = {name: self._start() for name in names}
        self._logs = {name: f"{name}.log" for name in names}

    @staticmethod
    def _start() -> subprocess.Popen:
        return subprocess.Popen(["sleep", "60"])

    def respawn(self, name: str) -> None:
        self.procs[name] = self._start()

    def kill(self, name: str) -> None:
        self.procs[name].kill()
        self.procs[name].wait()

    def close(self) -> None:
        for proc in self.procs.values():
            proc.kill()
            proc.wait()


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def pauses(said: list[str], name: str) -> list[int]:
    return [int(m.group(1)) for line in said
            if (m := re.match(rf"kaifong: {name} stopped .* again in (\d+) s", line))]


def test_each_part_has_its_own_growing_pause_and_no_death_goes_unseen():
    parts, said = Parts("rasa", "actions"), []
    supervisor = Supervisor(parts, said.append, every=0.05, first=2.0, most=8.0, steady=60)
    supervisor.start()
    try:
        parts.kill("rasa")
        wait_until(lambda: pauses(said, "rasa") == [2])
        parts.kill("actions")             # while rasa waits out its pause
        wait_until(lambda: pauses(said, "actions") == [2], timeout=1.0)
        first = parts.procs["rasa"]
        wait_until(lambda: parts.procs["rasa"] is not first)        # started again
        assert parts.procs["rasa"].poll() is None
        parts.kill("rasa")                # dies again soon: a longer pause
        wait_until(lambda: pauses(said, "rasa") == [2, 4])
        assert supervisor.restarts["actions"] == 1
    finally:
        supervisor.stop()
        parts.close()


def test_a_part_that_runs_long_enough_starts_over_from_the_first_pause():
    parts, said = Parts("gateway"), []
    supervisor = Supervisor(parts, said.append, every=0.05, first=0.2, most=8.0, steady=0.5)
    supervisor.start()
    try:
        for expected in ([0], [0, 0]):    # 0.2 s shown as 0; after a steady run, 0.2 again
            parts.kill("gateway")
            wait_until(lambda: pauses(said, "gateway") == expected)
            before = parts.procs["gateway"]
            wait_until(lambda: parts.procs["gateway"] is not before)
            time.sleep(0.8)               # longer than `steady`: forgiven
        assert supervisor._pause["gateway"] == 0.2
    finally:
        supervisor.stop()
        parts.close()
