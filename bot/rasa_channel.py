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


def _fast_sqlite_tracker_store() -> None:
    """SQLite's default journal fsyncs several times per commit, and Rasa commits
    every turn: that was half of a turn's time. Write-ahead logging with
    synchronous=NORMAL keeps every committed turn across a crash of Rasa (only
    a power cut can lose the last moments) at a fraction of the cost."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


    # SQLAlchemy 1.4 opens and closes a new SQLite connection for every session
    # (NullPool), and closing the last WAL connection checkpoints the log: keep a
    # small pool of open connections instead (Rasa uses them from one thread).
    from sqlalchemy.pool import QueuePool
    import rasa.core.tracker_store as tracker_store

    rasa_kwargs = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        kwargs = rasa_kwargs(url)
        if str(url).startswith("sqlite") and ":memory:" not in str(url):
            kwargs.update(poolclass=QueuePool, pool_size=2, max_overflow=4)
        return kwargs

    tracker_store.create_engine_kwargs = create_engine_kwargs


_fast_sqlite_tracker_store()
