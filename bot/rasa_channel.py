"""Rasa input channel for the gateway: the REST channel plus per-message metadata.

The gateway sends {"sender", "message", "metadata": {"language", "script",
"channel"}}; actions read the language from the message metadata. Loaded by
Rasa from bot/credentials.yml (runs in .venv-rasa, not in the gateway).
"""
from typing import Any, Optional

from rasa.core.channels.rest import RestInput
from sanic.request import Request


class KaifongInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "kaifong"

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None


def _compile_action_result_validation() -> None:
    """Rasa 3.6 rebuilds and re-checks the JSON schema of every action server
    reply (jsonschema.validate), which was ~30% of a turn's CPU time under load.
    Validate the same schema with a validator built once."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator = validator_for(schema)(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except ValidationError as exc:
            exc.message += ". Failed to validate the action server's response."
            raise
        return True

    RemoteAction._validate_action_result = _validate_action_result


_compile_action_result_validation()
