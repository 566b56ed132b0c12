"""The limits and the client's address on their own (channels/gateway/limits.py,
clients.py); the attacks they stop are in tests/attacks/."""
from types import SimpleNamespace

import pytest
from multidict import CIMultiDict

from bot.settings import SettingsError, load_settings
from channels.gateway.clients import Clients, host_name, network_of
from channels.gateway.limits import Concurrency, Limited, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_refills_evenly():
    clock = Clock()
    bucket = RateLimiter(3, 60.0, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [0, 0, 0]
    assert bucket.take("a") == pytest.approx(20.0)      # one comes back every 20 s
    assert bucket.take("b") == 0                        # keys are apart
    clock.now += 20
    assert bucket.take("a") == 0 and bucket.take("a") > 0
    with pytest.raises(Limited) as info:
        bucket.check("a", "turns")
    assert info.value.headers["Retry-After"] == "20" and "turns" in str(info.value)


def test_a_bucket_of_0_is_no_limit_and_the_table_is_bounded():
    assert RateLimiter(0, 60).take("x") == 0
    bucket = RateLimiter(1, 60, max_keys=10)
    for i in range(100):
        bucket.take(str(i))
    assert len(bucket._buckets) == 10


def test_things_held_at_once():
    gate = Concurrency(2, total=3)
    assert gate.acquire("a") and gate.acquire("a") and not gate.acquire("a")
    assert gate.acquire("b") and not gate.acquire("c")  # 3 in all
    gate.release("a")
    assert gate.acquire("c") and gate.held() == 3
    gate.release("zzz")                                 # nothing held: nothing changes
    assert gate.held() == 3
    with pytest.raises(Limited):
        with gate.hold("d", "pages"):
            pass


@pytest.mark.parametrize("text, ok", [("30/min", (30, 60.0)), ("0", (0, 1.0)),
                                      ("5/hour", (5, 3600.0)), ("2/s", (2, 1.0))])
def test_rates_are_read_from_settings(text, ok):
    assert load_settings(env={}, limit_turns_per_address=text).rate("limit_turns_per_address") == ok


@pytest.mark.parametrize("name, value", [("limit_turns_per_address", "30"),
                                         ("limit_turns_per_address", "x/min"),
                                         ("limit_cases_per_source", "5/week"),
                                         ("trusted_proxies", "not-an-address"),
                                         ("allowed_hosts", "evil.example/path"),
                                         ("limit_kiosk_sockets", 0)])
def test_wrong_limits_stop_start_up(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings(env={}, **{name: value})


def request(remote: str, forwarded: str = "", host: str = "") -> SimpleNamespace:
    headers = CIMultiDict()
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    if host:
        headers["Host"] = host
    return SimpleNamespace(remote=remote, headers=headers)


def test_the_address_is_the_peers_unless_it_is_a_trusted_proxy():
    plain = Clients(load_settings(env={}), b"k")
    assert plain.address(request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    proxied = Clients(load_settings(env={}, trusted_proxies="10.0.0.0/8, ::1"), b"k")
    assert proxied.address(request("10.0.0.2", "1.2.3.4")) == "1.2.3.4"
    assert proxied.address(request("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.7")) == "1.2.3.4"
    assert proxied.address(request("10.0.0.2", "garbage, 1.2.3.4")) == "1.2.3.4"
    assert proxied.address(request("10.0.0.2", "1.2.3.4, garbage")) == "10.0.0.2"
    assert proxied.address(request("10.0.0.2")) == "10.0.0.2"
    assert proxied.address(request("::1", "2001:db8::5")) == "2001:db8::/64"   # its /64


def test_a_source_is_a_keyed_hash_and_ipv6_counts_by_its_64():
    one, other = Clients(load_settings(env={}), b"one"), Clients(load_settings(env={}), b"two")
    assert one.address_source("203.0.113.9").startswith("addr:")
    assert "203.0.113.9" not in one.address_source("203.0.113.9")
    assert one.address_source("203.0.113.9") != other.address_source("203.0.113.9")
    assert one.address_source("2001:db8:1:2::5") == one.address_source("2001:db8:1:2:ffff::9")
    assert network_of("::ffff:203.0.113.9") == "203.0.113.9"


def test_host_names():
    clients = Clients(load_settings(env={}, allowed_hosts="kaifong.example.org, kf.example"), b"k")
    assert clients.host_allowed(request("1.1.1.1", host="kf.example"))
    assert clients.host_allowed(request("1.1.1.1", host="kaifong.example.org:443"))
    assert clients.host_allowed(request("1.1.1.1", host="[::1]:8080"))
    assert clients.host_allowed(request("1.1.1.1"))                 # no Host: no browser
    assert not clients.host_allowed(request("1.1.1.1", host="evil.example"))
    anyone = Clients(load_settings(env={}, allowed_hosts="*"), b"k")
    assert anyone.host_allowed(request("1.1.1.1", host="evil.example"))
    assert host_name("Example.ORG:80") == "example.org" and host_name("[::1]") == "::1"
