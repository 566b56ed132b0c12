"""Who is asking: the client's address (behind a trusted reverse proxy, the one it
forwards for), the Host names the gateway answers to, and a case's `source`.

A source says where cases come from without saying who: a keyed hash (the gateway's
own key, data_dir/gateway.key) of the client address for /api and the kiosk, of the
caller's number for the phone, of the follower for WeChat. The console groups cases by
it; the key keeps an address from being recovered by hashing every address there is.
An IPv6 client counts as its /64 network (one household, one phone, one attacker).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from pathlib import Path
from typing import Any, Optional

from aiohttp import web

from bot.settings import Settings
from channels.gateway.files import private_dir, write_private

KEY_FILE = "gateway.key"


class Clients:
    def __init__(self, settings: Settings, key: bytes) -> None:
        self._trusted = settings.trusted_networks()
        self._hosts = settings.host_names()
        self._key = key

    # --- the address --------------------------------------------------------------

    def address(self, request: web.Request) -> str:
        """The client, as every limit counts it: the peer's address, or behind trusted
        proxies the last address in X-Forwarded-For that is not one of them (anything
        before it is the client's own word, and can be forged); an IPv6 client as its
        /64 (everyone gets a /64 and can use all of it)."""
        return network_of(self._address(request))

    def _address(self, request: web.Request) -> str:
        peer = _ip(request.remote)
        if peer is None:
            return request.remote or "unknown"
        if not self._is_trusted(peer):
            return str(peer)
        hops = [h.strip() for h in ",".join(request.headers.getall("X-Forwarded-For", []))
                .split(",") if h.strip()]
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:
                break           # garbage from further out: the last good hop is the client
            if not self._is_trusted(ip):
                return str(ip)
            peer = ip
        return str(peer)

    def _is_trusted(self, ip: Any) -> bool:
        return any(ip.version == net.version and ip in net for net in self._trusted)

    # --- where cases come from --------------------------------------------------------

    def source(self, kind: str, value: str) -> str:
        """`kind:` and 12 hex digits of a keyed hash of `value`."""
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode("utf-8"), hashlib.sha256)
        return f"{kind}:{digest.hexdigest()[:12]}"

    def address_source(self, address: str) -> str:
        return self.source("addr", network_of(address))

    # --- Host names ---------------------------------------------------------------------

    def host_allowed(self, request: web.Request) -> bool:
        """A page on another name that resolves here (DNS rebinding) must not reach the
        kiosk socket or the API as if it were this site."""
        raw = request.headers.get("Host")
        if not self._hosts or raw is None:
            return True
        return host_name(raw) in self._hosts


def host_name(raw: str) -> str:
    raw = raw.strip().lower()
    if raw.startswith("["):
        return raw[1:].split("]", 1)[0]
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


def _ip(text: Optional[str]) -> Any:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def network_of(address: str) -> str:
    """IPv4 as is; IPv6 as its /64 (everyone gets a /64 and can use all of it)."""
    ip = _ip(address)
    if ip is None or ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def load_key(data_dir: str | Path) -> bytes:
    """The gateway's own secret (made once, kept private): sources stay the same across
    restarts, so the console can group a source's cases from yesterday with today's."""
    path = Path(data_dir) / KEY_FILE
    private_dir(path.parent)
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= 64:
            return bytes.fromhex(text[:64])
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    write_private(path, key.hex() + "\n")
    return key

