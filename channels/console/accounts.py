"""Staff accounts and their login sessions (SQLite).

Plain functions of a sqlite3 connection, run in one transaction each by
`Database.run` (the gateway) or `in_transaction` (the staff CLI). Only argon2
hashes of passwords are stored, and only a SHA-256 of each session cookie.
"""
from __future__ import annotations

import re
import sqlite3
from typing import Any, Iterable, Optional

from bot.texts import staff_text
from channels.console import throttle

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
""" + throttle.SCHEMA   # failed logins: channels/console/throttle.py

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
    """Change an account; a new password or a disabled account ends its sessions.
    The name must be the account's own: 「 chan」 is refused, not taken for chan."""
    if username != username.strip().lower():
        raise AccountError(staff_text("console_username_exact", username=username))
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
    if password_hash is not None:
        throttle.forget_account(conn, username)
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


def live_sessions(conn: sqlite3.Connection, token_hashes: Iterable[str], now: float) -> set[str]:
    """Which of these sessions still hold: not logged out, not expired, the account
    neither disabled nor given a new password (which deletes its sessions)."""
    hashes = list(token_hashes)
    if not hashes:
        return set()
    marks = ",".join("?" * len(hashes))
    rows = conn.execute(
        f"SELECT ss.token_hash FROM staff_sessions ss JOIN staff s ON s.username = ss.username"
        f" WHERE ss.token_hash IN ({marks}) AND ss.expires_at > ? AND s.disabled = 0",
        (*hashes, now)).fetchall()
    return {row[0] for row in rows}


def delete_session(conn: sqlite3.Connection, token_hash: str) -> None:
    conn.execute("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,))
