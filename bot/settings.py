"""Settings, read once at start: defaults < YAML file (KAIFONG_SETTINGS) < environment.

A wrong value stops the program with one line naming the setting.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import yaml

from bot.secrets import SecretError, read_secret_file
from bot.services import SERVICE_IDS

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    action_url: str = "http://127.0.0.1:5055"
    rasa_token: str = field(default="", repr=False)   # Rasa's HTTP API and webhook secret
    rasa_token_file: str = ""      # or read it from this file (never on a command line)
    rasa_timeout: float = 10.0
    data_dir: str = str(ROOT / ".run")
    catalog_dir: str = str(ROOT / "bot" / "catalog")
    hant_cmn: str = "s2t"          # Traditional Mandarin: s2t (HK/Macau forms) or s2tw (Taiwan)
    default_language: str = "cmn"
    default_script: str = "hans"
    max_text_chars: int = 500
    max_sessions: int = 20000
    hotline: str = "12345"
    log_level: str = "INFO"
    # who the client is (channels/gateway/clients.py): behind a reverse proxy, its address
    trusted_proxies: str = ""      # proxies (addresses or CIDRs) whose X-Forwarded-For is believed
    allowed_hosts: str = ""        # Host names answered besides localhost (and host); * = any
    # how much one client may ask (channels/gateway/limits.py): "N/s", "N/min", "N/hour", "N/day"
    # as a bucket of N that refills over the period; 0 switches a limit off
    limit_turns_per_conversation: str = "60/min"
    limit_turns_per_address: str = "300/min"
    limit_conversations_per_address: str = "120/hour"   # new /api conversations
    limit_cases_per_source: str = "10/hour"   # cases for staff from one source; over it no new
                                              # case, and an emergency's is marked throttled
    limit_cases_exempt: str = "kiosk"         # channels whose sources have no case limit: the
                                              # centre's own kiosks, full of real people
    limit_asr_per_address: str = "30/min"     # /api/asr requests
    limit_tts_per_address: str = "120/min"    # /api/tts requests
    limit_kiosk_messages: str = "240/min"     # messages one kiosk page sends (audio apart)
    limit_kiosk_sockets_per_address: int = 8  # kiosk pages open at once from one address
    limit_kiosk_sockets: int = 200            # kiosk pages open at once in all
    limit_kiosk_queued_turns: int = 3         # turns one kiosk page may have waiting
    limit_polls_per_address: int = 50         # long-polls open at once from one address
    limit_polls_per_conversation: int = 2     # long-polls open at once for one conversation
    body_read_seconds: float = 30.0           # a request body must have arrived by then
    health_cache_seconds: float = 5.0         # /healthz answers from probes this fresh
    # data at rest: transcripts, numbers to ring back, case facts, turn texts and rating
    # reasons older than this are deleted by a daily job (and `make purge`); ratings, cases
    # and turn records stay as counts without text. 0 keeps everything.
    retention_days: float = 90.0
    tracker_database: str = ""     # Rasa's tracker store; empty: <data_dir>/rasa_tracker.db
    # voice (voice/README.md): speech recognition (vosk) and speech output (pyttsx3 + espeak-ng)
    asr_model_cmn: str = str(ROOT / "models" / "vosk-model-small-cn-0.22")
    asr_model_yue: str = ""        # no public Cantonese vosk model: yue then listens with cmn
    asr_max_seconds: float = 60.0  # longest clip /api/asr accepts
    asr_max_utterance_seconds: float = 15.0  # streaming: cut an utterance this long
    asr_end_silence_seconds: float = 0.8     # streaming: this much quiet ends an utterance
    asr_workers: int = 2           # decoding threads
    asr_max_concurrent: int = 4    # /api/asr requests decoded at once; the rest wait
    tts_wpm_cmn: int = 175         # espeak words (syllables) per minute at the normal rate
    tts_wpm_yue: int = 145
    tts_slow_factor: float = 0.7   # the slow rate for elders who ask
    tts_cache_size: int = 256      # synthesised sentences kept for frequent prompts
    tts_cache_bytes: int = 32 * 1024 * 1024   # and at most this much audio in memory
    asr_max_body_bytes: int = 8 * 1024 * 1024  # largest /api/asr body, whatever its header says
    tts_max_chars: int = 2000      # longest text /api/tts reads aloud
    tts_timeout: float = 20.0      # seconds to wait for one sentence
    voice_model_url: str = "https://alphacephei.com/vosk/models/vosk-model-small-cn-0.22.zip"
    # handing the person to staff (channels/gateway/handoff) and the staff console (channels/console)
    database: str = ""                    # the gateway's SQLite file; empty: <data_dir>/kaifong.sqlite3
    handoff_recent_turns: int = 10        # turns before the handoff kept in the case, masked
    handoff_poll_seconds: float = 25.0    # longest wait of GET /api/chat/{sender}/messages
    staff_hours: str = "always"           # or e.g. "mon-fri 09:00-17:00, sat 09:00-12:00"
    staff_utc_offset: str = "+08:00"      # the clock staff_hours are read on
    console_session_hours: float = 12.0   # a staff login lasts this long
    # failed logins (channels/console/throttle.py): per account and address, free tries,
    # then a wait before each try that doubles from the first delay up to the longest
    console_login_max_failures: int = 5   # free tries (an address over all names: 4x)
    console_login_delay_seconds: float = 1.0   # the first wait after them
    console_lockout_seconds: float = 300.0     # the longest wait
    console_password_checks: int = 2      # argon2 checks at once (threads of their own)
    console_session_check_seconds: float = 5.0   # open console pages re-check their login
    console_group_min_cases: int = 5      # one source's unclaimed cases shown as a group (0: never)
    console_secure_cookie: bool = False   # Secure always (it is anyway over HTTPS, or with an
                                          # https public_origin)
    public_origin: str = ""               # the site's origin behind a proxy, e.g. https://kf.example
                                          # (the console's and the kiosk page's own)
    # the operator's figures (channels/console/figures*.py) and teaching from failures
    turns_conversation_minutes: float = 30.0   # a person quiet this long starts a new conversation
    labelled_examples: str = str(ROOT / "nlu_data" / "nlu" / "labelled.yml")  # written by the console
    # the community kiosk page at / (channels/kiosk)
    kiosk_location: str = ""              # where the kiosk stands, e.g. 东山街长者服务中心一楼
    kiosk_default_language: str = "cmn"   # before the person picks 普通话 or 廣東話
    kiosk_default_script: str = "hans"    # the 简/繁 switch's starting position
    kiosk_idle_seconds: float = 120.0     # quiet this long: ask 「还在吗？」
    kiosk_idle_waiting_seconds: float = 600.0  # the same while a person waits for staff
    kiosk_idle_answer_seconds: float = 30.0    # no answer to 「还在吗？」: clear for the next person
    # the start of a conversation offers these services as buttons (service ids, at most 4)
    kiosk_services: str = ("pension_certification,senior_card,social_security_card,"
                           "medical_reimbursement")
    # not understood (any channel): these services as numbered choices, then a person (1-3 ids;
    # the defaults match the 社保、医保、长者卡 that the fallback_first text names)
    fallback_services: str = "pension_certification,medical_reimbursement,senior_card"
    # WeChat official accounts (channels/wechat): off until wechat_token is set
    wechat_token: str = field(default="", repr=False)       # the Token typed in WeChat's console
    wechat_app_id: str = ""                                  # AppID (wx...)
    wechat_app_secret: str = field(default="", repr=False)  # AppSecret: replies later, voice, staff
    wechat_aes_key: str = field(default="", repr=False)     # EncodingAESKey; empty: plain mode only
    wechat_path: str = "/wechat"                             # the route WeChat calls
    wechat_api_base: str = "https://api.weixin.qq.com"       # WeChat's HTTP API
    wechat_max_body_bytes: int = 65536                       # larger requests get 413
    wechat_max_clock_skew: float = 300.0                     # seconds a request's timestamp may be off
    wechat_media_max_bytes: int = 2097152                    # largest voice file downloaded
    wechat_passive_seconds: float = 4.0                      # answer in the same request if this quick
    wechat_id_key: str = field(default="", repr=False)      # keys the ids made from OpenIDs;
                                                             # empty: the app secret
    # the phone hotline (channels/phone): a SIP endpoint behind the PBX. Off unless
    # phone_enabled or phone_sip_listen is set (make run sets phone_enabled)
    phone_enabled: bool = False
    phone_sip_listen: str = ""               # host:port; empty: 127.0.0.1:5060 (port 0: any)
    phone_sip_transports: str = "udp"        # udp, tcp or udp,tcp (same port)
    phone_public_address: str = ""           # the address in SDP/Contact behind NAT or on 0.0.0.0
    phone_rtp_ports: str = "20000-20999"     # low-high; 0: any free port
    phone_allow: str = "127.0.0.0/8,::1"     # addresses or CIDRs that may send SIP and RTP (the PBX)
    phone_max_calls: int = 30                # more at once get 486 Busy Here
    phone_max_call_seconds: float = 1200.0   # then a polite goodbye and BYE (0: no limit)
    phone_rtp_timeout_seconds: float = 30.0  # no audio from the PBX this long: hang up
    phone_silence_seconds: float = 6.0       # quiet this long: ask, then offer a person, then goodbye
    phone_end_silence_seconds: float = 0.5   # a pause this long ends what the caller said
    phone_transfer_uri: str = ""             # REFER target for a person, e.g. sip:queue@pbx; empty: callback
    phone_transfer_timeout_seconds: float = 30.0
    phone_callback_queue_length: int = 5     # more waiting than this: offer a callback, not a transfer
    phone_services: str = ("pension_certification,senior_card,social_security_card,"
                           "medical_reimbursement")   # the first menu's keys 1-4 (service ids)
    phone_register_uri: str = ""             # REGISTER with the PBX, e.g. sip:kaifong@pbx.example
    phone_register_user: str = ""
    phone_register_password: str = field(default="", repr=False)

    def validate(self) -> "Settings":
        if self.hant_cmn not in ("s2t", "s2tw"):
            raise SettingsError(f"hant_cmn must be s2t or s2tw, not {self.hant_cmn!r}")
        if self.default_language not in ("cmn", "yue"):
            raise SettingsError(f"default_language must be cmn or yue, not {self.default_language!r}")
        if self.default_script not in ("hans", "hant"):
            raise SettingsError(f"default_script must be hans or hant, not {self.default_script!r}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"port must be 1-65535, not {self.port}")
        if not 1 <= self.max_text_chars <= 10000:
            raise SettingsError(f"max_text_chars must be 1-10000, not {self.max_text_chars}")
        if not self.hotline.isdigit():
            raise SettingsError(f"hotline must be digits only, not {self.hotline!r}")
        self._validate_voice()
        self._validate_limits()
        self._validate_handoff()
        self._validate_kiosk()
        self._validate_fallback()
        self._validate_wechat()
        self._validate_phone()
        return self

    # --- the phone hotline -----------------------------------------------------------

    @property
    def phone_on(self) -> bool:
        return self.phone_enabled or bool(self.phone_sip_listen.strip())

    def phone_listen(self) -> tuple[str, int]:
        """(host, port) the SIP endpoint listens on."""
        host, _, port = (self.phone_sip_listen.strip() or "127.0.0.1:5060").rpartition(":")
        return host.strip("[]"), int(port)

    def phone_rtp_range(self) -> tuple[int, int]:
        text = self.phone_rtp_ports.strip()
        if text in ("0", "0-0"):
            return 0, 0
        low, _, high = text.partition("-")
        return int(low), int(high)

    def phone_list(self, name: str) -> list[str]:
        return comma_list(str(getattr(self, name)))

    def _validate_phone(self) -> None:
        """Formats and ranges here, each error naming its setting; the telephony layer
        checks the rest (channels/phone/setup.py) with the same one-line errors."""
        try:
            host, port = self.phone_listen()
            ipaddress.ip_address(host)
            if not 0 <= port <= 65535:
                raise ValueError
        except ValueError:
            raise SettingsError(f"phone_sip_listen must be an IP address and port, e.g. "
                                f"127.0.0.1:5060, not {self.phone_sip_listen!r}") from None
        transports = self.phone_list("phone_sip_transports")
        if not transports or not set(transports) <= {"udp", "tcp"}:
            raise SettingsError(f"phone_sip_transports must be udp, tcp or udp,tcp, "
                                f"not {self.phone_sip_transports!r}")
        try:
            low, high = self.phone_rtp_range()
        except ValueError:
            raise SettingsError(f"phone_rtp_ports must be low-high, e.g. 20000-20999, "
                                f"not {self.phone_rtp_ports!r}") from None
        if (low, high) != (0, 0) and not 1024 <= low < high <= 65535:
            raise SettingsError(f"phone_rtp_ports must lie within 1024-65535, "
                                f"not {self.phone_rtp_ports!r}")
        for entry in self.phone_list("phone_allow") + ([self.phone_public_address]
                                                      if self.phone_public_address else []):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                name = "phone_allow" if entry != self.phone_public_address else "phone_public_address"
                raise SettingsError(f"{name}: {entry!r} is not an address or CIDR") from None
        checks = [
            ("phone_max_calls", self.phone_max_calls, 1, 1000),
            ("phone_max_call_seconds", self.phone_max_call_seconds, 0, 86400),
            ("phone_rtp_timeout_seconds", self.phone_rtp_timeout_seconds, 0, 3600),
            ("phone_silence_seconds", self.phone_silence_seconds, 1, 120),
            ("phone_end_silence_seconds", self.phone_end_silence_seconds, 0.2, 3),
            ("phone_transfer_timeout_seconds", self.phone_transfer_timeout_seconds, 1, 300),
            ("phone_callback_queue_length", self.phone_callback_queue_length, 0, 10000),
        ]
        _check_ranges(checks)
        for name in ("phone_transfer_uri", "phone_register_uri"):
            value = getattr(self, name).strip()
            bad = any(c in value for c in "\r\n <>")
            if value and (bad or not value.startswith(("sip:", "sips:"))):
                raise SettingsError(f"{name} must be a sip: URI like sip:queue@pbx.example, "
                                    f"not {value!r}")
        if (self.phone_register_user or self.phone_register_password) and not self.phone_register_uri:
            raise SettingsError("phone_register_uri is needed when phone_register_user or "
                                "phone_register_password is set")
        _check_services("phone_services", self.phone_services, 1, 4)

    def _validate_wechat(self) -> None:
        """Ranges here; the formats WeChat's console dictates (token, EncodingAESKey)
        are checked by channels/wechat/config.py when the channel starts. Secrets are
        never repeated in a message."""
        checks = [
            ("wechat_max_body_bytes", self.wechat_max_body_bytes, 1024, 1024 * 1024),
            ("wechat_max_clock_skew", self.wechat_max_clock_skew, 10, 3600),
            ("wechat_media_max_bytes", self.wechat_media_max_bytes, 1024, 10 * 1024 * 1024),
            ("wechat_passive_seconds", self.wechat_passive_seconds, 0.2, 4.5),
        ]
        _check_ranges(checks)
        if not self.wechat_path.startswith("/") or len(self.wechat_path) < 2:
            raise SettingsError(f"wechat_path must start with / and name a path, "
                                f"not {self.wechat_path!r}")
        if not self.wechat_token:
            return
        for name in ("wechat_app_id", "wechat_app_secret"):
            if not getattr(self, name).strip():
                raise SettingsError(f"{name} is needed when wechat_token is set "
                                    f"(late replies, voice messages and staff replies use it)")

    def _validate_kiosk(self) -> None:
        if self.kiosk_default_language not in ("cmn", "yue"):
            raise SettingsError(f"kiosk_default_language must be cmn or yue, "
                                f"not {self.kiosk_default_language!r}")
        if self.kiosk_default_script not in ("hans", "hant"):
            raise SettingsError(f"kiosk_default_script must be hans or hant, "
                                f"not {self.kiosk_default_script!r}")
        if len(self.kiosk_location) > 40 or any(c in self.kiosk_location for c in "\r\n\t\x00"):
            raise SettingsError("kiosk_location must be one line of at most 40 characters")
        _check_services("kiosk_services", self.kiosk_services, 0, 4)
        checks = [
            ("kiosk_idle_seconds", self.kiosk_idle_seconds, 2, 3600),
            ("kiosk_idle_waiting_seconds", self.kiosk_idle_waiting_seconds, 2, 7200),
            ("kiosk_idle_answer_seconds", self.kiosk_idle_answer_seconds, 2, 600),
        ]
        _check_ranges(checks)

    def kiosk_service_ids(self) -> list[str]:
        return comma_list(self.kiosk_services)

    def fallback_service_ids(self) -> list[str]:
        return comma_list(self.fallback_services)

    def _validate_fallback(self) -> None:
        _check_services("fallback_services", self.fallback_services, 1, 3)

    def _validate_handoff(self) -> None:
        checks = [
            ("handoff_recent_turns", self.handoff_recent_turns, 0, 100),
            ("handoff_poll_seconds", self.handoff_poll_seconds, 1, 120),
            ("console_session_hours", self.console_session_hours, 0.1, 24 * 30),
            ("console_login_max_failures", self.console_login_max_failures, 1, 100),
            ("console_login_delay_seconds", self.console_login_delay_seconds, 0.1, 3600),
            ("console_lockout_seconds", self.console_lockout_seconds, 1, 86400),
            ("console_password_checks", self.console_password_checks, 1, 64),
            ("console_session_check_seconds", self.console_session_check_seconds, 0.2, 300),
            ("console_group_min_cases", self.console_group_min_cases, 0, 10000),
            ("turns_conversation_minutes", self.turns_conversation_minutes, 1, 24 * 60),
        ]
        _check_ranges(checks)
        if not self.labelled_examples.endswith((".yml", ".yaml")):
            raise SettingsError(f"labelled_examples must name a .yml file, "
                                f"not {self.labelled_examples!r}")
        if self.public_origin and not self.public_origin.startswith(("https://", "http://")):
            raise SettingsError(f"public_origin must be an http(s) origin, "
                                f"not {self.public_origin!r}")

    # --- clients and limits ----------------------------------------------------------

    LIMIT_RATES = ("limit_turns_per_conversation", "limit_turns_per_address",
                   "limit_conversations_per_address", "limit_cases_per_source",
                   "limit_asr_per_address", "limit_tts_per_address", "limit_kiosk_messages")

    def case_limit_exempt_channels(self) -> list[str]:
        return comma_list(self.limit_cases_exempt)

    def rate(self, name: str) -> tuple[int, float]:
        """(count, seconds) of a limit like "30/min"; count 0: no limit."""
        return parse_rate(name, getattr(self, name))

    def trusted_networks(self) -> list[Any]:
        return [ipaddress.ip_network(p, strict=False) for p in comma_list(self.trusted_proxies)]

    def host_names(self) -> set[str]:
        """Host header names (without port) the gateway answers to; empty set: any."""
        names = [h.lower() for h in comma_list(self.allowed_hosts)]
        if "*" in names:
            return set()
        local = {"localhost", "127.0.0.1", "::1"}
        if self.host not in ("0.0.0.0", "::", ""):
            local.add(self.host.lower())
        if self.public_origin:
            local.add(self.public_origin.split("://", 1)[1].split("/")[0].rsplit(":", 1)[0]
                      .strip("[]").lower())
        return local | {n.strip("[]") for n in names}

    def _validate_limits(self) -> None:
        for name in self.LIMIT_RATES:
            self.rate(name)
        try:
            self.trusted_networks()
        except ValueError:
            raise SettingsError(f"trusted_proxies must be addresses or CIDRs, comma-separated; "
                                f"not {self.trusted_proxies!r}") from None
        unknown = set(self.case_limit_exempt_channels()) - {"kiosk", "api", "phone", "wechat"}
        if unknown:
            raise SettingsError(f"limit_cases_exempt must name channels (kiosk, api, phone, "
                                f"wechat), not {self.limit_cases_exempt!r}")
        if any(c in self.allowed_hosts for c in "/\\@\r\n\t"):
            raise SettingsError(f"allowed_hosts must be host names, comma-separated; "
                                f"not {self.allowed_hosts!r}")
        checks = [
            ("limit_kiosk_sockets_per_address", self.limit_kiosk_sockets_per_address, 1, 10000),
            ("limit_kiosk_sockets", self.limit_kiosk_sockets, 1, 100000),
            ("limit_kiosk_queued_turns", self.limit_kiosk_queued_turns, 1, 100),
            ("limit_polls_per_address", self.limit_polls_per_address, 1, 100000),
            ("limit_polls_per_conversation", self.limit_polls_per_conversation, 1, 100),
            ("body_read_seconds", self.body_read_seconds, 1, 600),
            ("health_cache_seconds", self.health_cache_seconds, 0, 600),
            ("retention_days", self.retention_days, 0, 36500),
            ("tts_cache_bytes", self.tts_cache_bytes, 0, 4 * 1024 ** 3),
            ("asr_max_body_bytes", self.asr_max_body_bytes, 64 * 1024, 1024 ** 3),
        ]
        _check_ranges(checks)

    def _validate_voice(self) -> None:
        if not self.asr_model_cmn.strip():
            raise SettingsError("asr_model_cmn must name the Mandarin vosk model folder")
        checks = [
            ("asr_max_seconds", self.asr_max_seconds, 1, 600),
            ("asr_max_utterance_seconds", self.asr_max_utterance_seconds, 1, 120),
            ("asr_end_silence_seconds", self.asr_end_silence_seconds, 0.2, 5),
            ("asr_workers", self.asr_workers, 1, 32),
            ("asr_max_concurrent", self.asr_max_concurrent, 1, 64),
            ("tts_wpm_cmn", self.tts_wpm_cmn, 80, 450),
            ("tts_wpm_yue", self.tts_wpm_yue, 80, 450),
            ("tts_slow_factor", self.tts_slow_factor, 0.4, 0.95),
            ("tts_cache_size", self.tts_cache_size, 0, 100000),
            ("tts_max_chars", self.tts_max_chars, 1, 20000),
            ("tts_timeout", self.tts_timeout, 1, 300),
        ]
        _check_ranges(checks)
        if not self.voice_model_url.startswith(("https://", "http://", "file://")):
            raise SettingsError(f"voice_model_url must be an http(s) or file URL, "
                                f"not {self.voice_model_url!r}")


def comma_list(text: str) -> list[str]:
    """「a, b,,c」 -> ["a", "b", "c"]: how every list setting is written."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _check_ranges(checks: list[tuple[str, float, float, float]]) -> None:
    for name, value, low, high in checks:
        if not low <= value <= high:
            raise SettingsError(f"{name} must be {low}-{high}, not {value}")


def _check_services(name: str, text: str, fewest: int, most: int) -> None:
    services = comma_list(text)
    if not fewest <= len(services) <= most or any(s not in SERVICE_IDS for s in services):
        count = f"{fewest}-{most}" if fewest else f"at most {most}"
        raise SettingsError(f"{name} must be {count} service ids from bot/services.py, "
                            f"comma-separated; not {text!r}")


_PERIODS = {"s": 1.0, "sec": 1.0, "min": 60.0, "hour": 3600.0, "h": 3600.0, "day": 86400.0}


def parse_rate(name: str, text: str) -> tuple[int, float]:
    """"30/min" -> (30, 60.0); "0" -> (0, 1.0): no limit. SettingsError otherwise."""
    raw = str(text).strip().lower()
    if raw in ("0", "off", "0/min"):
        return 0, 1.0
    count, _, period = raw.partition("/")
    try:
        number = int(count)
        seconds = _PERIODS[period.strip()]
    except (ValueError, KeyError):
        raise SettingsError(f"{name} must look like 30/min (per s, min, hour or day) or 0, "
                            f"not {text!r}") from None
    if not 0 <= number <= 1_000_000:
        raise SettingsError(f"{name} must allow 0-1000000 per period, not {number}")
    return number, seconds


def _coerce(name: str, kind: Any, value: Any) -> Any:
    try:
        if kind in (int, "int"):
            return int(value)
        if kind in (float, "float"):
            return float(value)
        if kind in (bool, "bool"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        return str(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name} has a wrong value: {value!r}") from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the YAML file named by KAIFONG_SETTINGS, then KAIFONG_* variables."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = env.get("KAIFONG_SETTINGS")
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SettingsError(f"settings file {path}: {exc.__class__.__name__}: {exc}") from None
        if not isinstance(loaded, dict):
            raise SettingsError(f"settings file {path}: must be a mapping of name: value")
        values.update(loaded)
    known = {f.name: f.type for f in fields(Settings)}
    for name in known:
        key = "KAIFONG_" + name.upper()
        if key in env:
            values[name] = env[key]
    values.update(overrides)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}")
    coerced = {k: _coerce(k, known[k], v) for k, v in values.items()}
    settings = dataclasses.replace(Settings(), **coerced)
    if settings.rasa_token_file and not settings.rasa_token:
        try:
            token = read_secret_file("rasa_token_file", settings.rasa_token_file)
        except SecretError as exc:
            raise SettingsError(str(exc)) from None
        settings = dataclasses.replace(settings, rasa_token=token)
    return settings.validate()
