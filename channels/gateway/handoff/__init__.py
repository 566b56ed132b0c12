"""Handing the person to human staff: the persistent queue of cases (SQLite),
the gateway-side routing while a person waits or talks with staff, and the
outbox that carries staff messages to every channel. See desk.py."""
