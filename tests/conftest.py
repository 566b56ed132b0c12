"""The real stack (action server, Rasa with the trained model, gateway) on test
ports, started once per test session and shared by every folder that needs it
(integration/, handoff/). `make test` trains the model first and passes it as
KAIFONG_MODEL."""
import os
import sys
from pathlib import Path

import pytest

from channels.stack import ROOT, Stack, StackConfig, free_port


def _model() -> Path:
    if os.environ.get("KAIFONG_MODEL"):
        return Path(os.environ["KAIFONG_MODEL"])
    models = sorted((ROOT / ".build" / "models").glob("kaifong-*.tar.gz"), key=os.path.getmtime)
    if not models:
        pytest.fail("no trained model: run 'make test' (it trains first) or 'make train'")
    return models[-1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("stack")
    config = StackConfig(model=_model(), gateway_python=Path(sys.executable), port=free_port(),
                         rasa_port=free_port(), actions_port=free_port(), run_dir=run_dir)
    stack = Stack(config)
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def base_url(stack) -> str:
    return stack.gateway_url
