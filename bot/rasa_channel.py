"""Rasa input channel for the gateway: the REST channel plus per-message metadata, for
the gateway alone.

The gateway sends {"sender", "message", "metadata": {"language", "script",
"channel"}}; actions read the language from the message metadata. Loaded by
Rasa from bot/credentials.yml (runs in .venv-rasa, not in the gateway). The tracker store is
tuned through its public extension point instead: bot/tracker_store.py.

Rasa protects its HTTP API with a token but leaves every channel's webhook open to any
caller; whoever reaches it could talk as any person. So every turn must carry the
shared secret (header X-Kaifong-Token, the value Rasa's token comes from: the
environment or a file, bot/rasa_server.py); without it the answer is 403. No secret
configured: nobody gets in.
"""
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.rasa_server import shared_secret
from bot.secrets import presented


def from_the_gateway(request: Request, secret: str) -> bool:
    return presented(request.headers, secret)


class KaifongInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "kaifong"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        secret = shared_secret()

        @webhook.middleware("request")
        async def only_the_gateway(request: Request) -> Any:
            if request.path.rstrip("/").endswith("/webhook") and \
                    not from_the_gateway(request, secret):
                return response.json({"error": "forbidden"}, status=403)
            return None

        return webhook

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        body = request.json or {}
        metadata = body.get("metadata")
        return metadata if isinstance(metadata, dict) else None


def _check_action_results_by_shape() -> None:
    """Why this replaces a private method of Rasa: Rasa 3.6 offers no public way to change
    how it checks the action server's reply, and it validates every reply against a JSON
    schema full of oneOf alternatives (one per event type), which was the largest single
    cost of a turn (~8 ms). The action server is ours and tested; check the shape Rasa
    reads next (events: a list of objects naming their event, responses: a list of
    objects), and refuse anything else with the same error type."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if not isinstance(result, dict):
            raise ValidationError("the action server's reply is not an object")
        events, responses = result.get("events", []), result.get("responses", [])
        if not isinstance(events, list) or not all(
                isinstance(e, dict) and isinstance(e.get("event"), str) for e in events):
            raise ValidationError("the action server's events are not a list of events")
        if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
            raise ValidationError("the action server's responses are not a list of objects")
        return True

    RemoteAction._validate_action_result = _validate_action_result


_check_action_results_by_shape()
