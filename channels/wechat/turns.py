"""What each WeChat message means to the assistant, and its answer as WeChat text.

    Text     -> a turn of the pipeline
    Voice    -> WeChat's own transcript (Recognition) when it sent one, else the
                file downloaded, decoded and heard by the gateway's recogniser
    Event    -> subscribe: a welcome; unsubscribe: the person has gone;
                CLICK svc:<id> / human / lang:<x>: the menu (channels/wechat/menu.py)
    Other    -> 「我只看得懂文字和语音。」

Answers keep the person's language and script. Options become numbered lines
under 「回复数字：」, with 「0 找工作人员」 as a last line.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Mapping, Optional

from bot.catalog import Service
from bot.language import to_script
from bot.settings import Settings
from bot.texts import say
from channels.gateway.pipeline import Pipeline, TurnResult
from channels.wechat.api import ApiError
from channels.wechat.channel import WeChatChannel
from channels.wechat.config import WeChatConfig
from channels.wechat.formatting import render_messages
from channels.wechat.menu import HUMAN_KEY, LANGUAGE_KEYS, SERVICE_KEY_PREFIX
from channels.wechat.messages import Event, Message, Text, Voice
from channels.wechat.voice import DecoderMissing, VoiceError, decode_voice
from voice.asr import AsrEngine
from voice.audio import Audio, pcm16_to_float
from voice.errors import AudioError, ModelMissing

log = logging.getLogger("kaifong.wechat")

HUMAN = "0"   # what 「0」 means everywhere: a person (bot/controls.py)
MENU_LANGUAGES = {key: language for language, key in LANGUAGE_KEYS.items()}


class Turns:
    def __init__(self, settings: Settings, config: WeChatConfig, channel: WeChatChannel) -> None:
        self.settings = settings
        self.config = config
        self.channel = channel
        # attached when the app starts
        self.pipeline: Optional[Pipeline] = None
        self.asr: Optional[AsrEngine] = None
        self.asr_slots: Optional[asyncio.Semaphore] = None
        self.services: Mapping[str, Service] = {}

    async def answer(self, sender: str, message: Message) -> str:
        """The whole answer as WeChat text ('' when there is nothing to say)."""
        if isinstance(message, Text):
            return await self._chat(sender, message.content)
        if isinstance(message, Voice):
            return await self._voice(sender, message)
        if isinstance(message, Event):
            return await self._event(sender, message)
        return self._say(sender, "wechat_only_text_voice")

    # --- turns -----------------------------------------------------------------------

    async def _chat(self, sender: str, text: str) -> str:
        text = text.strip()[: self.settings.max_text_chars]
        if not text:
            return ""
        result = await self._pipeline().chat(sender, text, channel=self.channel.name)
        return self.render(sender, result)

    async def _voice(self, sender: str, voice: Voice) -> str:
        if voice.recognition:
            return await self._chat(sender, voice.recognition)
        language = self._pipeline().language_of(sender).language
        if self.asr is None or not self.asr.available(language):
            return self._say(sender, "wechat_voice_no_model")
        try:
            text = await self._hear(voice, language)
        except (ModelMissing, DecoderMissing) as exc:   # the operator's to fix; the person types
            log.warning("wechat: voice messages cannot be heard: %s", exc)
            return self._say(sender, "wechat_voice_no_model")
        except (ApiError, VoiceError, AudioError) as exc:
            log.info("wechat: a voice message could not be heard: %s", exc)
            return self._say(sender, "wechat_voice_unclear")
        if not text.strip():
            return self._say(sender, "wechat_voice_unclear")
        return await self._chat(sender, text)

    async def _hear(self, voice: Voice, language: str) -> str:
        assert self.channel.api is not None and self.asr is not None
        media = await self.channel.api.get_media(voice.media_id, self.config.media_max_bytes)
        pcm = await decode_voice(media.data, max_input_bytes=self.config.media_max_bytes)
        clip = Audio(pcm16_to_float(pcm.samples), pcm.rate)
        slots = self.asr_slots or asyncio.Semaphore(1)
        async with slots:
            transcript = await self.asr.transcribe(clip, language)
        return transcript.text

    async def _event(self, sender: str, event: Event) -> str:
        pipeline = self._pipeline()
        if event.event == "subscribe":
            return self._say(sender, "wechat_welcome")
        if event.event == "unsubscribe":
            await pipeline.end(sender, "wechat_note_unsubscribed")
            return ""
        if event.event != "click":
            return ""   # VIEW (a link in the menu), SCAN, LOCATION…: nothing to say
        if event.key == HUMAN_KEY:
            return await self._chat(sender, HUMAN)
        if event.key in MENU_LANGUAGES:
            return self.render(sender, pipeline.switch(sender, language=MENU_LANGUAGES[event.key]))
        if event.key.startswith(SERVICE_KEY_PREFIX):
            service = self.services.get(event.key[len(SERVICE_KEY_PREFIX):])
            if service is not None:   # the service's name, as the person would say it
                state = pipeline.language_of(sender)
                name = to_script(service.text("name", state.language), state.language,
                                 state.script, self.settings.hant_cmn)
                return await self._chat(sender, name)
        log.info("wechat: a menu key nobody knows")
        return ""

    # --- words -----------------------------------------------------------------------

    def render(self, sender: str, result: TurnResult) -> str:
        """The turn's messages as one text in the person's script, options as numbered
        lines (buttons a person cannot type, such as 「取消等待」, stay out: the text
        says what to write instead)."""
        language, script = result.language, result.script
        messages = [_numbered_only(m) for m in result.messages]
        options = [b for m in messages for b in m.get("buttons", ())]
        footer: list[str] = []
        staff = self._convert(say("option_human", language), language, script)
        offered = any(str(b.get("title", "")).endswith(staff) for b in options)
        if options and result.handoff is None and not offered:   # 「0」: a person, on every menu
            footer.append(self._convert(say("wechat_option_staff", language), language, script))
        prompt = self._convert(say("wechat_reply_number", language), language, script)
        text = render_messages(messages, prompt, footer)
        if self.channel.took_case(sender):
            text += "\n\n" + self._convert(say("wechat_staff_reply_here", language),
                                           language, script)
        return text.strip()

    def _say(self, sender: str, key: str) -> str:
        state = self._pipeline().language_of(sender)
        return self._convert(say(key, state.language), state.language, state.script)

    def _convert(self, text: str, language: str, script: str) -> str:
        return to_script(text, language, script, self.settings.hant_cmn)

    def _pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise RuntimeError("the WeChat channel is not started")
        return self.pipeline


def _numbered_only(message: Mapping[str, Any]) -> dict[str, Any]:
    out = {"text": message.get("text") or ""}
    buttons = [b for b in message.get("buttons") or () if str(b.get("payload", "")).isdigit()]
    if buttons:
        out["buttons"] = buttons
    return out
