"""The action server and Rasa's Kaifong channel answer their one caller only (the secret
comes from the environment or a file, never a command line); the live stack proves it end
to end in tests/attacks/test_7_data_at_rest.py."""
from types import SimpleNamespace

import pytest

from actions.server import authorised, shared_secret
from bot.rasa_channel import from_the_gateway
from bot.rasa_server import action_secret_into
from bot.rasa_server import shared_secret as rasa_secret
from bot.secrets import SecretError

SECRET = "s3cret-made-at-start"


@pytest.mark.parametrize("headers, path, ok", [
    ({"X-Kaifong-Token": SECRET}, "/webhook", True),
    ({}, "/webhook", False),
    ({"X-Kaifong-Token": "guess"}, "/webhook", False),
    ({"X-Kaifong-Token": SECRET[:-1]}, "/actions", False),
    ({}, "/health", True),                 # the gateway's probe says nothing but "ok"
])
def test_the_action_server_wants_rasas_secret(headers, path, ok):
    assert authorised(headers, path, SECRET) is ok
    assert authorised({"X-Kaifong-Token": ""}, "/webhook", "") is False   # no secret: nobody


def test_secrets_come_from_the_environment_or_a_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(SECRET + "\n", encoding="utf-8")
    assert shared_secret({"KAIFONG_ACTION_TOKEN": SECRET}) == SECRET
    assert shared_secret({"KAIFONG_ACTION_TOKEN_FILE": str(path)}) == SECRET
    assert rasa_secret({"KAIFONG_RASA_TOKEN": SECRET}) == SECRET
    assert rasa_secret({"KAIFONG_RASA_TOKEN_FILE": str(path)}) == SECRET
    assert shared_secret({}) == "" and rasa_secret({}) == ""
    # both given: the variable, as the gateway's settings read it (one secret on both sides)
    both = {"KAIFONG_RASA_TOKEN": "from-env", "KAIFONG_RASA_TOKEN_FILE": str(path)}
    assert rasa_secret(both) == "from-env"
    spaced = tmp_path / "spaced"
    spaced.write_text("abc def\n", encoding="utf-8")     # the whole first line, as settings read it
    assert rasa_secret({"KAIFONG_RASA_TOKEN_FILE": str(spaced)}) == "abc def"


def test_rasas_channel_wants_the_gateways_secret():
    def request(**headers):
        return SimpleNamespace(headers=headers)
    assert from_the_gateway(request(**{"X-Kaifong-Token": SECRET}), SECRET)
    assert not from_the_gateway(request(), SECRET)
    assert not from_the_gateway(request(**{"X-Kaifong-Token": SECRET}), "")


def test_a_secret_file_that_cannot_be_read_is_named(tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(SecretError, match="KAIFONG_ACTION_TOKEN_FILE: .* is empty"):
        shared_secret({"KAIFONG_ACTION_TOKEN_FILE": str(empty)})
    with pytest.raises(SecretError, match="KAIFONG_RASA_TOKEN_FILE: cannot read"):
        rasa_secret({"KAIFONG_RASA_TOKEN_FILE": str(tmp_path / "missing")})


def test_rasa_sends_the_action_secret_given_as_a_file(tmp_path):
    """Rasa reads the header it sends to the action server from the environment only."""
    path = tmp_path / "actions-token"
    path.write_text(SECRET + "\n", encoding="utf-8")
    env = {"KAIFONG_ACTION_TOKEN_FILE": str(path)}
    action_secret_into(env)
    assert env["KAIFONG_ACTION_TOKEN"] == SECRET == shared_secret(env)
    untouched = {"KAIFONG_ACTION_TOKEN": "from-env"}
    action_secret_into(untouched)
    assert untouched == {"KAIFONG_ACTION_TOKEN": "from-env"}
