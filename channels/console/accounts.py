"""Staff accounts, their login sessions and failed-login counts (SQLite).

Plain functions of a sqlite3 connection, run in one transaction each by
`Database.run` (the gateway) or `in_transaction` (the staff CLI). Only argon2
hashes of passwords are stored, and only a SHA-256 of each session cookie.
"""
from __future__ import annotations

import re
import sqlite3
from typing import Any, Iterable, Optional

from bot.texts import staff_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS staff (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES staff(username),
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY,            -- user:<name> or ip:<address>
    failures INTEGER NOT NULL,
    locked_until REAL NOT NULL DEFAULT 0,
    last_at REAL NOT NULL
);
"""

ROLES = ("staff", "admin")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,31}$")


class AccountError(Exception):
    """A wrong account request; the message is shown to the admin as is."""


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise AccountError(staff_text("console_username_rule"))
    return name


def add_staff(conn: sqlite3.Connection, username: str, password_hash: str, role: str,
              now: float) -> None:
    if role not in ROLES:
        raise AccountError(staff_text("console_role_rule"))
    try:
        conn.execute("INSERT INTO staff (username, password_hash, role, created_at)"
                     " VALUES (?, ?, ?, ?)", (check_username(username), password_hash, role, now))
    except sqlite3.IntegrityError:
        raise AccountError(staff_text("console_user_exists", username=username)) from None


def get_staff(conn: sqlite3.Connection, username: str) -> Optional[dict[str, Any]]:
    row = conn.execute("SELECT * FROM staff WHERE username = ?",
                       (username.strip().lower(),)).fetchone()
    return dict(row) if row else None


def list_staff(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT username, role, disabled, created_at FROM staff"
                        " ORDER BY username").fetchall()
    return [dict(row) | {"disabled": bool(row["disabled"])} for row in rows]


def update_staff(conn: sqlite3.Connection, username: str, *, role: Optional[str] = None,
                 disabled: Optional[bool] = None, password_hash: Optional[str] = None) -> None:
    """Change an account; a new password or a disabled account ends its sessions."""
    if get_staff(conn, username) is None:
        raise AccountError(staff_text("console_no_user", username=username))
    admins_before = _active_admins(conn)
    if role is not None:
        if role not in ROLES:
            raise AccountError(staff_text("console_role_rule"))
        conn.execute("UPDATE staff SET role = ? WHERE username = ?", (role, username))
    if disabled is not None:
        conn.execute("UPDATE staff SET disabled = ? WHERE username = ?", (int(disabled), username))
    if password_hash is not None:
        conn.execute("UPDATE staff SET password_hash = ? WHERE username = ?",
                     (password_hash, username))
    if disabled or password_hash is not None:
        conn.execute("DELETE FROM staff_sessions WHERE username = ?", (username,))
    if admins_before and not _active_admins(conn):
        raise AccountError(staff_text("console_last_admin"))   # rolls the change back


def _active_admins(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled = 0"
                        ).fetchone()[0]


# --- sessions -----------------------------------------------------------------

def create_session(conn: sqlite3.Connection, username: str, token_hash: str, csrf: str,
                   now: float, expires_at: float) -> None:
    conn.execute("DELETE FROM staff_sessions WHERE expires_at <= ?", (now,))
    conn.execute("INSERT INTO staff_sessions (token_hash, username, csrf, created_at, expires_at)"
                 " VALUES (?, ?, ?, ?, ?)", (token_hash, username, csrf, now, expires_at))


def session_staff(conn: sqlite3.Connection, token_hash: str,
                  now: float) -> Optional[dict[str, Any]]:
    row = conn.execute(
        "SELECT s.username, s.role, ss.csrf, ss.token_hash FROM staff_sessions ss"
        " JOIN staff s ON s.username = ss.username"
        " WHERE ss.token_hash = ? AND ss.expires_at > ? AND s.disabled = 0",
        (token_hash, now)).fetchone()
    return dict(row) if row else None


def delete_session(conn: sqlite3.Connection, token_hash: str) -> None:
    conn.execute("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,))


# --- failed logins ----------------------------------------------------------------

def locked_until(conn: sqlite3.Connection, keys: Iterable[str], now: float) -> float:
    keys = list(keys)
    marks = ",".join("?" * len(keys))
    row = conn.execute(f"SELECT MAX(locked_until) FROM login_failures WHERE key IN ({marks})",
                       keys).fetchone()
    return float(row[0]) if row and row[0] and row[0] > now else 0.0


def record_failure(conn: sqlite3.Connection, key: str, now: float, limit: int,
                   lockout: float) -> bool:
    """Count a failure; after `limit` of them within `lockout` seconds, lock. True if locked."""
    row = conn.execute("SELECT failures, last_at FROM login_failures WHERE key = ?",
                       (key,)).fetchone()
    failures = 1 if row is None or now - row["last_at"] > lockout else row["failures"] + 1
    locked = failures >= limit
    conn.execute("INSERT INTO login_failures (key, failures, locked_until, last_at)"
                 " VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,"
                 " locked_until = excluded.locked_until, last_at = excluded.last_at",
                 (key, 0 if locked else failures, now + lockout if locked else 0, now))
    return locked


def clear_failures(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))
