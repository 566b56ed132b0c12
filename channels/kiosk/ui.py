"""What the kiosk page shows around the conversation: its labels and prompts in the
person's language and script, the document's language tag, the menus that reach
every service by touch, the words of a prompt made for a finger when the kiosk
cannot listen, and the queue's words. Every string comes from bot/texts.yml or the
catalog."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from bot.catalog import Service
from bot.language import to_script, to_simplified
from bot.settings import Settings
from bot.texts import say

LANG_TAGS = {("cmn", "hans"): "zh-Hans", ("cmn", "hant"): "zh-Hant",
             ("yue", "hans"): "yue-Hans", ("yue", "hant"): "yue-Hant"}

# label name on the page -> key in bot/texts.yml
LABELS = {
    "title": "kiosk_title", "choose": "kiosk_choose_language", "talk": "kiosk_talk",
    "listening_hold": "kiosk_listening_hold", "listening_tap": "kiosk_listening_tap",
    "thinking": "kiosk_thinking", "replay": "kiosk_replay", "type": "kiosk_type_label",
    "send": "kiosk_send", "you": "kiosk_you", "assistant": "kiosk_title",
    "staff": "kiosk_staff", "still_here": "kiosk_still_here", "human": "option_human",
    "mic_blocked": "kiosk_mic_blocked", "intro": "kiosk_intro", "examples": "kiosk_examples",
    "back": "kiosk_back", "done": "kiosk_done", "done_words": "kiosk_done_words",
    "more": "kiosk_more", "cancel": "handoff_button_cancel", "keypad_ok": "kiosk_keypad_ok",
    "keypad_delete": "kiosk_keypad_delete", "keypad_phone": "kiosk_keypad_shown_phone",
    "keypad_age": "kiosk_keypad_shown_age", "keypad_phone_open": "kiosk_keypad_phone",
    "keypad_age_open": "kiosk_keypad_age",
}

# 「更多服务」: every service of the catalog by touch, in groups of at most five
GROUPS = {
    "social": ("pension_certification", "pension_payment", "social_insurance_payment",
               "social_security_card", "housing_fund"),
    "medical": ("medical_reimbursement", "medical_insurance_enrollment",
                "offsite_medical_filing", "hospital_appointment"),
    "seniors": ("senior_card", "elderly_allowance", "elderly_care", "subsistence_allowance",
                "disability_support"),
    "papers": ("id_card", "residence_permit", "school_enrollment"),
    "work": ("unemployment_benefit", "job_services", "work_injury"),
    "help": ("application_status", "complaint", "app_help", "office_info"),
}
MORE = "more"                 # a menu button: {"title", "menu"} is drawn by the page, not said
GROUP = "group:"

# What a voice prompt says, and what the kiosk says instead when it cannot listen.
TOUCH_WORDS = [("kiosk_said_number", "kiosk_tap_number"), ("kiosk_said_pick", "kiosk_tap_pick"),
               ("kiosk_said_directly", "kiosk_tap_directly"),
               ("kiosk_said_phone", "kiosk_tap_phone"),
               ("kiosk_said_phone_ask", "kiosk_tap_phone_ask"),
               ("kiosk_said_again", "kiosk_tap_again"),
               ("kiosk_said_staff_joined", "kiosk_tap_staff_joined")]
# Prompts about a phone number get a number pad: behind a button when a number is
# offered, open when one is asked for
PHONE_OFFERS = ("handoff_offer_callback", "kiosk_leave_phone", "kiosk_tap_phone")
PHONE_ASKS = ("handoff_callback_ask", "handoff_phone_invalid", "kiosk_tap_phone_ask",
              "kiosk_tap_again")
# One form of a character throughout a page (OpenCC's Hong Kong forms write 揾 for 搵)
ONE_FORM = {"hant": {"揾": "搵"}, "hans": {"搵": "揾"}}


def lang_tag(language: str, script: str) -> str:
    return LANG_TAGS[(language, script)]


def one_form(value: str, script: str) -> str:
    for variant, form in ONE_FORM[script].items():
        value = value.replace(variant, form)
    return value


def text(key: str, language: str, script: str, settings: Settings, **fields: Any) -> str:
    """A text of bot/texts.yml in the person's language, converted to their script."""
    return convert(say(key, language, **fields), language, script, settings)


def convert(value: str, language: str, script: str, settings: Settings) -> str:
    return one_form(to_script(value, language, script, settings.hant_cmn), script)


def redraw(value: str, language: str, script: str, settings: Settings) -> str:
    """Text already on the page, drawn again in another script."""
    return convert(to_simplified(value), language, script, settings)


def labels(language: str, script: str, settings: Settings) -> dict[str, str]:
    out = {name: text(key, language, script, settings) for name, key in LABELS.items()}
    # the start screen asks in both languages: nobody has chosen yet
    out["choose_cmn"] = text("kiosk_choose_language", "cmn", script, settings)
    out["choose_yue"] = text("kiosk_choose_language", "yue", script, settings)
    out["location"] = convert(settings.kiosk_location, language, script, settings)
    return out


# --- the queue ----------------------------------------------------------------------

def handoff_line(handoff: Mapping[str, Any] | None, language: str, script: str,
                 settings: Settings, staff_online: bool = True) -> str:
    """The banner that stays above the conversation while a person waits for staff or
    talks with them. It never promises someone who is not there."""
    if not handoff:
        return ""
    if handoff.get("state") == "waiting":
        key = "kiosk_waiting_online" if staff_online else "kiosk_waiting_banner_nobody"
        place = say(key, language) % {"position": handoff.get("position") or 1}
        return convert(place, language, script, settings)
    if handoff.get("state") == "with_staff":
        return text("kiosk_with_staff", language, script, settings)
    return ""


def handed_over(state: str, position: Optional[int], urgent: bool, language: str,
                staff_online: bool, hours: str) -> list[dict[str, Any]]:
    """The kiosk's words when a case opens (Simplified: the pipeline converts them):
    the same as the banner, a callback when nobody is there (the page adds a number
    pad), and the banner's own button named as it is written."""
    if state == "off_hours":
        return [{"text": say("handoff_off_hours", language)
                 + say("handoff_hours", language, hours=hours)},
                {"text": say("kiosk_leave_phone", language)}]
    lead = say("handoff_urgent", language) if urgent else ""
    key = "kiosk_waiting_online" if staff_online else "kiosk_waiting_nobody"
    messages: list[dict[str, Any]] = [
        {"text": lead + say(key, language) % {"position": position or 1}},
        {"text": say("kiosk_cancel_hint", language)
         % {"cancel": say("handoff_button_cancel", language)}}]
    if not staff_online:
        messages.append({"text": say("kiosk_leave_phone", language)})
    return messages


# --- menus: every service by touch ----------------------------------------------------

def groups(services: Mapping[str, Service]) -> dict[str, tuple[str, ...]]:
    """The groups of 「更多服务」; services an operator added go to the last group."""
    grouped = {g: tuple(s for s in ids if s in services) for g, ids in GROUPS.items()}
    known = {s for ids in grouped.values() for s in ids}
    extra = tuple(s for s in services if s not in known)
    if extra:
        grouped["help"] = grouped["help"] + extra
    return {g: ids for g, ids in grouped.items() if ids}


def service_button(services: Mapping[str, Service], service_id: str, language: str,
                   script: str, settings: Settings) -> dict[str, str]:
    """A tap says the service's name, as a person would; the actions know every name."""
    name = convert(services[service_id].text("name", language), language, script, settings)
    return {"title": name, "payload": name}


def more_button(language: str, script: str, settings: Settings) -> dict[str, str]:
    return {"title": text("kiosk_more", language, script, settings), "menu": MORE}


def service_buttons(services: Mapping[str, Service], language: str, script: str,
                    settings: Settings) -> list[dict[str, str]]:
    """The configured common services as buttons, then 「更多服务」."""
    buttons = [service_button(services, s, language, script, settings)
               for s in settings.kiosk_service_ids()]
    return buttons + [more_button(language, script, settings)]


def menu(name: str, services: Mapping[str, Service], language: str, script: str,
         settings: Settings) -> Optional[list[dict[str, Any]]]:
    """A kiosk menu: "services" (the common ones), "more" (the groups) or "group:<id>".
    Its message is marked `menu`: once answered, the page drops it whole."""
    if name == "services":
        return [{"text": text("kiosk_examples", language, script, settings), "menu": True,
                 "buttons": service_buttons(services, language, script, settings)}]
    if name == MORE:
        buttons = [{"title": text("kiosk_group_" + g, language, script, settings),
                    "menu": GROUP + g} for g in groups(services)]
        return [{"text": text("kiosk_more_ask", language, script, settings), "menu": True,
                 "buttons": buttons}]
    ids = groups(services).get(name[len(GROUP):]) if name.startswith(GROUP) else None
    if not ids:
        return None
    buttons = [service_button(services, s, language, script, settings) for s in ids]
    buttons.append({"title": text("kiosk_other_groups", language, script, settings),
                    "menu": MORE})
    return [{"text": text("kiosk_group_ask", language, script, settings), "menu": True,
             "buttons": buttons}]


def welcome(services: Mapping[str, Service], language: str, script: str, settings: Settings,
            voice: bool) -> list[dict[str, Any]]:
    """The first messages a person gets after choosing a language."""
    key = "kiosk_welcome" if voice else "kiosk_welcome_no_voice"
    return [{"text": text(key, language, script, settings)}] + \
        (menu("services", services, language, script, settings) or [])


# --- prompts made for a finger --------------------------------------------------------

def for_the_page(messages: Sequence[Mapping[str, Any]], language: str, script: str,
                 settings: Settings, voice: bool,
                 services: Mapping[str, Service]) -> list[dict[str, Any]]:
    """Messages as the page shows them: one form of each character; without a
    microphone no prompt asks to say anything (「请说数字」 becomes 「请点下面的按钮」);
    a prompt for a phone number or an age gets a number pad."""
    ages = age_questions(services, language, script, settings)
    offers = [text(k, language, script, settings).rstrip("。") for k in PHONE_OFFERS]
    asks = [text(k, language, script, settings).rstrip("。") for k in PHONE_ASKS]
    out = []
    for message in messages:
        shown = dict(message)
        words = one_form(str(message.get("text") or ""), script)
        if not voice:
            for said, tap in TOUCH_WORDS:
                words = words.replace(text(said, language, script, settings),
                                      text(tap, language, script, settings))
        shown["text"] = words
        if "keypad" not in shown:
            if any(p in words for p in asks):
                shown["keypad"] = "phone-open"
            elif any(p in words for p in offers):
                shown["keypad"] = "phone"
            elif words.strip() in ages:
                shown["keypad"] = "age"
        if shown.get("buttons"):
            shown["buttons"] = [{**b, "title": one_form(str(b.get("title", "")), script)}
                                for b in shown["buttons"]]
        out.append(shown)
    return out


def age_questions(services: Mapping[str, Service], language: str, script: str,
                  settings: Settings) -> set[str]:
    """The catalog's questions about an age, as the page shows them."""
    return {convert(rule.text("ask", language), language, script, settings)
            for service in services.values() for rule in service.rules if rule.min_age}
