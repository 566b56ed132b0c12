"""Staff accounts from the command line (`make staff-add`):

    python -m channels.console.staff add NAME [--role staff|admin] [--password-stdin]
    python -m channels.console.staff passwd NAME [--password-stdin]
    python -m channels.console.staff disable NAME | enable NAME
    python -m channels.console.staff list

The database is the gateway's (setting database, else <data_dir>/kaifong.sqlite3),
or --db PATH. The password is asked twice without echo, or read from the first
line of standard input with --password-stdin (or when it is not a terminal);
only its argon2 hash is stored.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path
from typing import Optional, TextIO

from bot.settings import SettingsError, load_settings
from channels.console import accounts
from channels.console.passwords import hash_password, weakness
from channels.gateway.handoff import store
from channels.gateway.db import connect, in_transaction
from channels.gateway.db import database_path


class CliError(Exception):
    pass


def read_password(from_stdin: bool, stdin: Optional[TextIO] = None) -> str:
    stdin = stdin or sys.stdin
    if from_stdin or not stdin.isatty():   # piped in: the first line
        password = stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password (at least 10 characters): ")
        if getpass.getpass("Again: ") != password:
            raise CliError("the two passwords differ")
    problem = weakness(password)
    if problem:
        raise CliError(problem)
    return password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m channels.console.staff",
                                     description="Manage staff console accounts.")
    parser.add_argument("--db", type=Path, help="the SQLite file (default: from the settings)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add an account")
    add.add_argument("username", nargs="?")
    add.add_argument("--role", choices=accounts.ROLES, default="staff")
    add.add_argument("--password-stdin", action="store_true")
    passwd = commands.add_parser("passwd", help="set a new password (ends its logins)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        commands.add_parser(name, help=f"{name} an account").add_argument("username")
    commands.add_parser("list", help="list the accounts")
    return parser


def run(args: argparse.Namespace) -> None:
    path = args.db or database_path(load_settings())
    conn = connect(path, [store.SCHEMA, accounts.SCHEMA])
    try:
        if args.command == "list":
            for row in in_transaction(conn, accounts.list_staff):
                state = " (disabled)" if row["disabled"] else ""
                print(f"{row['username']:<20} {row['role']}{state}")
            return
        username = args.username or input("User name: ")
        try:
            if args.command == "add":
                username = accounts.check_username(username)
                password_hash = hash_password(read_password(args.password_stdin))
                in_transaction(conn, accounts.add_staff, username, password_hash, args.role,
                               time.time())
                print(f"Added {args.role} account {username} ({path})")
            elif args.command == "passwd":
                password_hash = hash_password(read_password(args.password_stdin))
                in_transaction(conn, lambda c: accounts.update_staff(
                    c, username.lower(), password_hash=password_hash))
                print(f"New password set for {username}")
            else:
                disabled = args.command == "disable"
                in_transaction(conn, lambda c: accounts.update_staff(
                    c, username.lower(), disabled=disabled))
                print(f"{username} {'disabled' if disabled else 'enabled'}")
        except accounts.AccountError as exc:
            raise CliError(str(exc)) from None
    finally:
        conn.close()


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        run(args)
    except (CliError, SettingsError) as exc:
        print(f"kaifong: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
