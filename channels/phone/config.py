"""PhoneConfig: everything the telephony layer needs, checked once at start."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

TRANSPORTS = ("udp", "tcp")


class PhoneConfigError(ValueError):
    """A phone setting is wrong; the message names the setting."""


@dataclass(frozen=True)
class PhoneConfig:
    host: str = "127.0.0.1"
    port: int = 5060  # 0: the OS picks one (tests); read it back from PhoneEndpoint.address
    transports: tuple[str, ...] = ("udp",)  # "udp", "tcp" or both, on the same port
    allow: tuple[str, ...] = ("127.0.0.0/8", "::1")  # addresses or CIDRs that may send SIP and RTP
    max_calls: int = 30
    max_call_seconds: float = 1800.0  # 0: no limit
    max_call_grace_seconds: float = 15.0  # time to say goodbye after Call.time_up
    rtp_ports: tuple[int, int] = (20000, 20999)  # inclusive; (0, 0): the OS picks
    rtp_timeout_seconds: float = 30.0  # no RTP for this long: hang up (0: never)
    public_address: str | None = None  # written in SDP and Contact instead of host
    register_uri: str | None = None  # e.g. "sip:kaifong@pbx.example:5060"
    register_user: str | None = None
    register_password: str | None = None
    register_expires: int = 300
    transfer_timeout_seconds: float = 30.0  # REFER sent, no final NOTIFY by then: failed
    user_agent: str = "Kaifong"

    def __post_init__(self) -> None:
        _check_address("host", self.host)
        _check(0 <= self.port <= 65535, "port", "must be 0-65535")
        _check(
            bool(self.transports) and set(self.transports) <= set(TRANSPORTS),
            "transports",
            "must be udp, tcp or both",
        )
        for entry in self.allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise PhoneConfigError(f"allow: {entry!r} is not an address or CIDR") from None
        _check(self.max_calls >= 1, "max_calls", "must be at least 1")
        _check(self.max_call_seconds >= 0, "max_call_seconds", "must be 0 or more")
        _check(self.max_call_grace_seconds >= 0, "max_call_grace_seconds", "must be 0 or more")
        _check_rtp_ports(self.rtp_ports, self.max_calls)
        _check(self.rtp_timeout_seconds >= 0, "rtp_timeout_seconds", "must be 0 or more")
        if self.public_address is not None:
            _check_address("public_address", self.public_address)
        elif ipaddress.ip_address(self.host).is_unspecified:
            raise PhoneConfigError("public_address: required when host is a wildcard address")
        _check_register(self)
        _check(self.transfer_timeout_seconds > 0, "transfer_timeout_seconds", "must be over 0")

    @property
    def sdp_address(self) -> str:
        """The address peers send RTP and in-dialog SIP to."""
        return self.public_address or self.host

    def allows(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.allow)


def _check(ok: bool, name: str, why: str) -> None:
    if not ok:
        raise PhoneConfigError(f"{name}: {why}")


def _check_address(name: str, value: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise PhoneConfigError(f"{name}: {value!r} is not an IP address") from None


def _check_rtp_ports(ports: tuple[int, int], max_calls: int) -> None:
    low, high = ports
    if (low, high) == (0, 0):
        return
    _check(1024 <= low < high <= 65535, "rtp_ports", "must be (low, high) within 1024-65535")
    # Each call takes an even RTP port and the odd RTCP port above it
    _check((high - low + 1) // 2 >= max_calls, "rtp_ports", "too small for max_calls")


def _check_register(config: PhoneConfig) -> None:
    if config.register_uri is None:
        _check(
            config.register_user is None and config.register_password is None,
            "register_uri",
            "required when register_user or register_password is set",
        )
        return
    _check(config.register_uri.startswith("sip:"), "register_uri", "must be a sip: URI")
    _check(config.register_expires >= 60, "register_expires", "must be at least 60")
