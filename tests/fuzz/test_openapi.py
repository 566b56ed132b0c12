"""The HTTP API fuzzed by a tool nobody here wrote: Schemathesis reads the API's own
description (/api/openapi.json, written by hand) and throws generated requests at every
operation of a gateway on the real stack (Rasa, the action server, the Korean test
speech model): valid ones, invalid ones, wrong methods, no token. Every check it has:
no 5xx, every answer as documented (status, content type, headers, JSON body), invalid
input refused, valid input taken, no token no entry."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.tools.stack import ROOT
from tests.integration.helpers import get, post
from tests.processes import Gateway
from tests.voice.conftest import KO_MODEL

pytestmark = pytest.mark.stack

HERE = Path(__file__).parent
EXAMPLES = int(os.environ.get("KAIFONG_FUZZ_EXAMPLES", "40"))   # per operation and phase
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def fuzzed(stack, tmp_path_factory):
    """A gateway of its own on the shared Rasa: long-polls of a second, real recognition."""
    gateway = Gateway(stack, tmp_path_factory.mktemp("fuzz"), handoff_poll_seconds=1,
                      asr_model_cmn=KO_MODEL)
    gateway.start()
    yield gateway
    gateway.stop()


def test_the_description_is_served_and_names_every_route(fuzzed):
    status, spec = get(fuzzed.url + "/api/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/conversations", "/api/chat", "/api/chat/messages",
                                  "/api/understand", "/api/tts", "/api/asr", "/healthz",
                                  "/api/openapi.json"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert all(c.startswith(("2", "4", "5")) for c in codes), (path, method)


def test_schemathesis_finds_nothing(fuzzed, tmp_path):
    status, opened = post(fuzzed.url + "/api/conversations", {"user": "schemathesis"})
    assert status == 201
    report = tmp_path / "report"
    done = subprocess.run(
        [str(SCHEMATHESIS), "--config-file", str(HERE / "schemathesis.toml"), "run",
         f"{fuzzed.url}/api/openapi.json", "--checks", "all",
         "-H", f"Authorization: Bearer {opened['token']}",
         "--max-examples", str(EXAMPLES), "--workers", "1", "--request-timeout", "60",
         "--seed", "13", "--report", "ndjson", "--report-dir", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCHEMATHESIS_HOOKS": "tests.fuzz.st_hooks",
             "NO_COLOR": "1"})
    tail = "\n".join(done.stdout.splitlines()[-60:])
    assert done.returncode == 0, tail + done.stderr[-2000:]
    assert "7/7" in done.stdout and " passed" in done.stdout, tail
    # and the gateway is as it was
    status, health = get(fuzzed.url + "/healthz")
    assert status == 200 and health["status"] == "ok"
    log = fuzzed.log.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in log and "Traceback" not in log, log[-3000:]
