"""`make call`: ring the local Kaifong hotline with baresip, your microphone and speaker.

    python -m channels.phone.softphone [--to sip:kaifong@127.0.0.1:5060] [--audio alsa,default]
                                       [--player alsa,default]

Press digits on the keyboard during the call to send them as keys (0-9 * #); `b` hangs
up, `q` quits. The address comes from the same settings as the gateway
(phone_sip_listen); `--audio aufile,question.wav` plays a file instead of the
microphone (8 kHz mono WAV; pad it with silence: baresip hangs up at its end).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Optional

from bot.settings import ROOT, SettingsError, load_settings

MODULES = ("stdio", "g711", "alsa", "aufile", "account", "contact", "menu")


def hotline_uri() -> str:
    host, port = load_settings().phone_listen()
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"sip:kaifong@{f'[{host}]' if ':' in host else host}:{port or 5060}"


def free_sip_port() -> int:
    """A port baresip can take for SIP: free for UDP and TCP, and the next one free for
    its TLS transport. (baresip must be told a real port: with 0 it advertises :0.)"""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            for kind, number in ((socket.SOCK_STREAM, port), (socket.SOCK_STREAM, port + 1),
                                 (socket.SOCK_DGRAM, port)):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", number))
        except OSError:
            continue
        return port
    raise OSError("no free port for the softphone")


def write_config(home: Path, audio: str, player: str) -> None:
    port = free_sip_port()
    modules = "\n".join(f"module {m}.so" for m in MODULES)
    (home / "config").write_text(f"""poll_method epoll
sip_listen 127.0.0.1:{port}
audio_player {player}
audio_source {audio}
audio_alert {player}
module_path /usr/lib/baresip/modules
{modules}
module_app account.so
module_app contact.so
module_app menu.so
""")
    (home / "accounts").write_text(f"<sip:caller@127.0.0.1:{port}>;regint=0;"
                                   "audio_codecs=pcma,pcmu\n")
    (home / "contacts").write_text("")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", help="the hotline's SIP URI (default: from phone_sip_listen)")
    parser.add_argument("--audio", default=os.environ.get("KAIFONG_CALL_AUDIO", "alsa,default"),
                        help="baresip audio source: alsa,default (microphone) or aufile,<wav>")
    parser.add_argument("--player", default=os.environ.get("KAIFONG_CALL_PLAYER", "alsa,default"),
                        help="where Kaifong's voice goes: alsa,default (speaker)")
    args = parser.parse_args(argv)
    baresip = shutil.which("baresip")
    if baresip is None:
        print("kaifong: baresip is not installed: run 'make sysdeps' (Debian: baresip-core)",
              file=sys.stderr)
        return 1
    try:
        target = args.to or hotline_uri()
    except SettingsError as exc:
        print(f"kaifong: {exc}", file=sys.stderr)
        return 2
    home = ROOT / ".run" / "softphone"   # baresip's config, written anew for each call
    home.mkdir(parents=True, exist_ok=True)
    write_config(home, args.audio, args.player)
    print(f"Calling {target} (is 'make run' running?). Keys: 0-9 * #; b hangs up, q quits.",
          flush=True)
    # baresip takes this process's place: the terminal, Ctrl-C and a kill reach it directly
    os.execv(baresip, [baresip, "-f", str(home), "-e", f"/dial {target}"])
    return 0   # not reached


if __name__ == "__main__":
    sys.exit(main())
