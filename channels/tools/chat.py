"""Talk to Kaifong in the terminal (make chat).

Uses a running gateway at KAIFONG_URL (default http://127.0.0.1:8080); if none
answers, starts the whole stack for the length of the chat.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Optional

from channels.tools.stack import Stack, StackConfig, StackError


def post(url: str, body: dict[str, Any], token: str = "") -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def show(body: dict[str, Any]) -> None:
    for message in body.get("messages", []):
        print("街坊>", message.get("text", ""))
        for button in message.get("buttons", []):
            print("      [" + button.get("title", "") + "]")
    if body.get("error"):
        print("  (" + body["error"] + ")")


def poll_staff(url: str, token: str, stop: threading.Event) -> None:
    """Print messages from staff (after a handoff) as they arrive: the long-poll."""
    after = 0
    while not stop.is_set():
        req = urllib.request.Request(f"{url}/api/chat/messages?after={after}&timeout=20",
                                     headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                body = json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError):
            stop.wait(2)
            continue
        for message in body.get("messages", []):
            who = "工作人员" if message.get("from") == "staff" else "街坊"
            print(f"\n{who}> {message.get('text', '')}\n你> ", end="", flush=True)
        after = body.get("last_id") or after


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Chat with Kaifong in the terminal")
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--model", type=Path, help="start the stack with this model if needed")
    args = parser.parse_args(argv)
    stack = None
    if not alive(args.url):
        if not args.model:
            print(f"No gateway at {args.url}; start it with 'make run'.", file=sys.stderr)
            return 1
        stack = Stack(StackConfig(model=args.model))
        print("Starting Kaifong (about half a minute)...", flush=True)
        try:
            stack.start()
        except StackError as exc:
            stack.stop()
            print(f"kaifong: {exc}", file=sys.stderr)
            return 1
        args.url = stack.gateway_url
    status, opened = post(args.url + "/api/conversations", {"user": "make-chat"})
    if status != 201:
        print(f"kaifong: no conversation ({status}: {opened.get('error')})", file=sys.stderr)
        if stack:
            stack.stop()
        return 1
    token = opened["token"]   # the conversation's key: only this terminal has it
    print("Type in Mandarin or Cantonese (简/繁). Ctrl-D or 'exit' to leave.")
    stop = threading.Event()
    threading.Thread(target=poll_staff, args=(args.url, token, stop), daemon=True).start()
    try:
        while True:
            try:
                text = input("你> ").strip()
            except EOFError:
                break
            if text in ("exit", "quit"):
                break
            if not text:
                continue
            status, body = post(args.url + "/api/chat", {"text": text}, token)
            show(body)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        print()
        if stack:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
