"""Optional REGISTER to the PBX, kept alive whatever happens to the PBX."""

from __future__ import annotations

import asyncio
import logging

from aiosipua import Registration, RegistrationState, SipDigestAuth, parse_uri

from .config import PhoneConfig
from .sip import PhoneUAC

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0  # REGISTER unanswered (aiosipua does not retransmit it) or refused: try again
UNREGISTER_WAIT_SECONDS = 1.0


class Registrar:
    """Registers with digest auth; aiosipua refreshes, this loop re-registers after failures."""

    def __init__(self, config: PhoneConfig, uac: PhoneUAC) -> None:
        self._config = config
        self._uac = uac
        self._registration: Registration | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def registered(self) -> bool:
        return self._registration is not None and self._registration.state == RegistrationState.REGISTERED

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._keep_registered())

    async def _keep_registered(self) -> None:
        config = self._config
        assert config.register_uri is not None
        uri = parse_uri(config.register_uri)
        infos = await asyncio.get_running_loop().getaddrinfo(uri.host, uri.port or 5060)
        registrar = (str(infos[0][4][0]), int(infos[0][4][1]))
        auth = None
        if config.register_user:
            auth = SipDigestAuth(config.register_user, config.register_password or "")
        aor = f"sip:{uri.user}@{uri.host}" if uri.user else f"sip:{uri.host}"
        self._registration = Registration(
            self._uac, aor, registrar, expires=config.register_expires, auth=auth,
            user_agent=config.user_agent,
        )
        self._registration.on_registered = lambda r: log.info("phone: registered for %d s", r.granted_expires)
        self._registration.on_failed = lambda r, code, why: log.warning("phone: REGISTER refused: %d %s", code, why)
        while True:
            if self._registration.state != RegistrationState.REGISTERED:
                self._registration.register()
            await asyncio.sleep(RETRY_SECONDS)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        registration = self._registration
        if registration is not None and registration.state == RegistrationState.REGISTERED:
            registration.unregister()
            for _ in range(int(UNREGISTER_WAIT_SECONDS / 0.05)):
                if registration.state != RegistrationState.REGISTERED:
                    break
                await asyncio.sleep(0.05)
