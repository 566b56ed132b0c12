"""Failed console logins slow the guesser down, never lock anyone else out.

Tries are counted per account *and* address (`pair:`), and per address over every
name (`addr:`, which gets four times the free tries: an office shares an address).
Nobody has a count against a name alone, so guessing at 「chan」 from one place
never keeps chan out from another. Behind a reverse proxy the address is the client's
(setting trusted_proxies; channels/gateway/clients.py); an IPv6 client counts as its /64.

After the free tries each further try must wait, twice as long each time, up to
console_lockout_seconds: a delay that grows, not a lock. The try is counted *before*
the password is checked, in the same transaction that looks at the wait (the
database runs one transaction at a time), so any number of guesses sent at once get
at most the free tries' worth of argon2 checks; a right password gives its try back.
A key quiet for a day is forgotten.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Optional, Sequence

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_throttle (
    key TEXT PRIMARY KEY,           -- pair:<name>|<address> or addr:<address>
    username TEXT,                  -- the name tried (pair keys): a new password forgets them
    failures INTEGER NOT NULL,      -- tries counted (a right password gives its try back)
    wait_until REAL NOT NULL,       -- no try before this
    last_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_throttle_by_time ON login_throttle(last_at);
DROP TABLE IF EXISTS login_failures;
"""
FORGET_SECONDS = 86400.0
ADDRESS_FACTOR = 4       # an address gets this many times an account's free tries


@dataclass(frozen=True)
class Ladder:
    """`free` tries without a wait, then `first` seconds, doubling up to `longest`."""
    free: int
    first: float
    longest: float

    def wait_after(self, tries: int) -> float:
        if tries < self.free:
            return 0.0
        return min(self.longest, self.first * 2.0 ** min(tries - self.free, 40))


@dataclass(frozen=True)
class Key:
    key: str
    username: Optional[str]
    ladder: Ladder


def keys_for(username: str, address: str, free: int, first: float,
             longest: float) -> tuple[Key, Key]:
    name = username.strip().lower()[:64]
    account = Ladder(free, first, longest)
    everyone = Ladder(free * ADDRESS_FACTOR, first, longest)
    return Key(f"pair:{name}|{address}", name, account), Key(f"addr:{address}", None, everyone)


def reserve(conn: sqlite3.Connection, keys: Sequence[Key], now: float) -> float:
    """Before a password is checked: 0.0 with a try counted on every key, or the
    seconds still to wait (nothing counted)."""
    conn.execute("DELETE FROM login_throttle WHERE last_at < ?", (now - FORGET_SECONDS,))
    rows = {k.key: conn.execute("SELECT failures, wait_until FROM login_throttle WHERE key = ?",
                                (k.key,)).fetchone() for k in keys}
    wait = max((row["wait_until"] - now for row in rows.values() if row), default=0.0)
    if wait > 0:
        return wait
    for k in keys:
        tries = (rows[k.key]["failures"] if rows[k.key] else 0) + 1
        conn.execute(
            "INSERT INTO login_throttle (key, username, failures, wait_until, last_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET failures = excluded.failures,"
            " wait_until = excluded.wait_until, last_at = excluded.last_at",
            (k.key, k.username, tries, now + k.ladder.wait_after(tries), now))
    return 0.0


def forgive(conn: sqlite3.Connection, keys: Sequence[Key]) -> None:
    """The password was right: the account's count from this address is forgotten, and
    the address gets its try back (with no wait before the next)."""
    for k in keys:
        if k.username is not None:
            conn.execute("DELETE FROM login_throttle WHERE key = ?", (k.key,))
        else:
            conn.execute("UPDATE login_throttle SET failures = MAX(0, failures - 1),"
                         " wait_until = 0 WHERE key = ?", (k.key,))


def forget_account(conn: sqlite3.Connection, username: str) -> None:
    """A new password (an admin's reset): its owner starts again without waits."""
    conn.execute("DELETE FROM login_throttle WHERE username = ?", (username,))
