"""make purge: apply the retention now (the gateway does it once a day by itself).

Transcripts, numbers to ring back, case facts, unresolved turns' texts, rating reasons,
unused /api conversations and Rasa's old conversations older than `retention_days`
(setting, default 90) are deleted; cases, turn records and rating scores stay as counts.
Safe while Kaifong runs (SQLite's locks). Settings as for the gateway (KAIFONG_*).

    python -m channels.tools.purge
"""
from __future__ import annotations

import sys

from bot.settings import SettingsError, load_settings
from channels.gateway.retention import purge_files


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"kaifong: {exc}", file=sys.stderr)
        return 2
    if settings.retention_days <= 0:
        print("retention_days is 0: everything is kept")
        return 0
    done = purge_files(settings)
    told = ", ".join(f"{kind} {count}" for kind, count in done.items()) or "nothing"
    print(f"purged what is older than {settings.retention_days:g} days: {told}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
