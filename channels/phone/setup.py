"""Wire the hotline into the gateway: settings -> PhoneConfig (a wrong one stops
start-up with one line naming the setting), the SIP endpoint for the app's
lifetime (cleanup_ctx), the channel registered, a `phone` entry on /healthz.

The hotline is off unless `phone_enabled` or `phone_sip_listen` is set (`make run`
sets phone_enabled). If its address is taken, the gateway says so on /healthz and
in its log, and everything else runs.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import sys
from typing import Any, AsyncIterator, Optional

from aiohttp import web

from bot.language import read, to_script
from bot.settings import Settings, SettingsError
from channels.gateway.keys import (CATALOG, CHANNELS, HANDOFF, HEALTH_PROBES, PIPELINE,
                                   SETTINGS, TTS_ENGINE)
from voice import reading
from voice.asr import AsrEngine

from .call import Call
from .call_session import CallSession, Hotline
from .channel import PhoneChannel
from .config import PhoneConfig, PhoneConfigError
from .endpoint import PhoneEndpoint

log = logging.getLogger("kaifong.phone")

SHUTDOWN_SECONDS = 5.0
# PhoneConfig's fields, by the setting an operator writes
SETTING_OF = {"host": "phone_sip_listen", "port": "phone_sip_listen",
              "transports": "phone_sip_transports", "allow": "phone_allow",
              "max_calls": "phone_max_calls", "max_call_seconds": "phone_max_call_seconds",
              "rtp_ports": "phone_rtp_ports", "rtp_timeout_seconds": "phone_rtp_timeout_seconds",
              "public_address": "phone_public_address", "register_uri": "phone_register_uri",
              "register_expires": "phone_register_uri",
              "transfer_timeout_seconds": "phone_transfer_timeout_seconds"}


def phone_config(settings: Settings) -> PhoneConfig:
    host, port = settings.phone_listen()
    try:
        return PhoneConfig(
            host=host, port=port, transports=tuple(settings.phone_list("phone_sip_transports")),
            allow=tuple(settings.phone_list("phone_allow")), max_calls=settings.phone_max_calls,
            max_call_seconds=settings.phone_max_call_seconds,
            rtp_ports=settings.phone_rtp_range(),
            rtp_timeout_seconds=settings.phone_rtp_timeout_seconds,
            public_address=settings.phone_public_address or None,
            register_uri=settings.phone_register_uri or None,
            register_user=settings.phone_register_user or None,
            register_password=settings.phone_register_password or None,
            transfer_timeout_seconds=settings.phone_transfer_timeout_seconds)
    except PhoneConfigError as exc:
        field, _, why = str(exc).partition(": ")
        raise SettingsError(f"{SETTING_OF.get(field, field)}: {why}") from None


class PhoneLine:
    """The hotline in the gateway: the endpoint, and a session for each call on it."""

    def __init__(self, config: PhoneConfig, channel: PhoneChannel) -> None:
        self.config = config
        self.channel = channel
        self.hotline: Optional[Hotline] = None
        self.endpoint: Optional[PhoneEndpoint] = None
        self.error: Optional[str] = None     # why the hotline is off, for /healthz

    @property
    def address(self) -> tuple[str, int]:
        if self.endpoint is None:
            raise RuntimeError(self.error or "the hotline is not started")
        return self.endpoint.address

    @property
    def sip_uri(self) -> str:
        host, port = self.address
        return f"sip:kaifong@{f'[{host}]' if ':' in host else host}:{port}"

    def session(self, sender: str) -> Optional[CallSession]:
        return self.channel.sessions.get(sender)

    async def start(self, hotline: Hotline) -> None:
        self.hotline = hotline
        endpoint = PhoneEndpoint(self.config, self.on_call)
        try:
            await endpoint.start()
        except OSError as exc:
            await endpoint.stop()
            where = f"{self.config.host}:{self.config.port}"
            self.error = (f"cannot listen on {where} ({exc.strerror or exc}); the hotline is "
                          f"off, everything else runs. Set phone_sip_listen to a free address.")
            log.error("phone: %s", self.error)
            return
        self.endpoint = endpoint
        log.info("phone: the hotline answers at %s", self.sip_uri)

    async def stop(self) -> None:
        """Every caller is told goodbye by BYE and their session ends (a waiting case
        stays a callback task), then the endpoint closes."""
        sessions = list(self.channel.sessions.values())
        if sessions:
            await asyncio.wait([asyncio.ensure_future(s.shut_down()) for s in sessions],
                               timeout=SHUTDOWN_SECONDS)
        if self.endpoint is not None:
            await self.endpoint.stop()

    async def on_call(self, call: Call) -> None:
        assert self.hotline is not None
        session = CallSession(call, self.hotline)
        self.channel.sessions[session.sender] = session
        try:
            await session.run()
        finally:
            self.channel.sessions.pop(session.sender, None)

    async def probe(self) -> dict[str, Any]:
        if self.endpoint is None:
            return {"ok": False, "error": self.error or "not started"}
        return {"ok": True, "sip": self.sip_uri, "transports": list(self.config.transports),
                "calls": self.endpoint.active_calls, "max_calls": self.config.max_calls,
                **({"registered": self.endpoint.registered} if self.config.register_uri else {})}


def keep_time(settings: Settings) -> None:
    """For the gateway's process, once, when the phone is on (channels/__main__.py: it
    changes the whole interpreter, so never from an app that tests start by the dozen).
    A phone line cannot pause: a packet is due every 20 ms. Python's full garbage
    collections walk every object the gateway holds, most of them the dictionaries
    loaded once (pinyin, OpenCC, the catalog): 130 ms and more a pass on this machine,
    heard as a gap. So those are loaded now and frozen out of the collector."""
    reading.prepare("街坊助手，热线12345，一遍。", "cmn")
    reading.prepare("街坊助手。", "yue")
    read("养老金点样认证，2")
    for language, script in (("cmn", "hans"), ("cmn", "hant"), ("yue", "hans"), ("yue", "hant")):
        to_script("测试一下", language, script, settings.hant_cmn)
    gc.collect()
    gc.freeze()
    # The event loop gives up the GIL at every send and receive; with the recogniser's
    # and the speech threads busy it then waited up to 5 ms (the default switch
    # interval) each time to get it back: a packet every 20 ms for thirty calls cannot.
    sys.setswitchinterval(0.001)


PHONE_LINE = web.AppKey("phone_line", PhoneLine)


def setup_phone(app: web.Application) -> None:
    """Register after the core: calls use the pipeline, the desk and the voice engines."""
    settings = app[SETTINGS]
    if not settings.phone_on:
        return
    channel = PhoneChannel()
    app[CHANNELS].register(channel)
    app[PHONE_LINE] = PhoneLine(phone_config(settings), channel)
    app.cleanup_ctx.append(_phone)


async def _phone(app: web.Application) -> AsyncIterator[None]:
    settings, line = app[SETTINGS], app[PHONE_LINE]
    # The hotline's own recogniser (the models are shared, loaded once): a phone
    # caller has no button to say they have finished, so a shorter pause ends it.
    asr = AsrEngine({"cmn": settings.asr_model_cmn, "yue": settings.asr_model_yue},
                    fallbacks={"yue": "cmn"}, workers=settings.asr_workers,
                    max_seconds=settings.asr_max_seconds,
                    end_silence=settings.phone_end_silence_seconds,
                    max_utterance=settings.asr_max_utterance_seconds)
    console = settings.public_origin or f"http://{settings.host}:{settings.port}"
    hotline = Hotline(settings, app[PIPELINE], app[HANDOFF], app[TTS_ENGINE], asr,
                      app[CATALOG], console.rstrip("/"))
    app[HEALTH_PROBES]["phone"] = line.probe
    await line.start(hotline)
    try:
        yield
    finally:
        await line.stop()
        asr.close()
