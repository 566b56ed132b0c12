"""The service ids and conversation acts: the contract in shared/SERVICES.md."""
from __future__ import annotations

SERVICE_IDS = (
    "pension_certification",
    "pension_payment",
    "social_insurance_payment",
    "social_security_card",
    "medical_reimbursement",
    "medical_insurance_enrollment",
    "offsite_medical_filing",
    "hospital_appointment",
    "senior_card",
    "elderly_allowance",
    "elderly_care",
    "subsistence_allowance",
    "disability_support",
    "id_card",
    "residence_permit",
    "school_enrollment",
    "housing_fund",
    "unemployment_benefit",
    "job_services",
    "work_injury",
    "application_status",
    "complaint",
    "app_help",
    "office_info",
)

ACTS = (
    "ask", "greet", "goodbye", "thanks", "affirm", "deny", "repeat", "slower",
    "restart", "human", "help", "emergency", "choose", "rate", "out_of_scope",
)

# NLU intents: one per service ("svc_<id>", act "ask"), "ask_detail" (asks about
# an aspect of the service under discussion, act "ask" with no service), and one
# per remaining act.
SERVICE_INTENT_PREFIX = "svc_"
DETAIL_INTENT = "ask_detail"
ACT_INTENTS = tuple(a for a in ACTS if a != "ask")
# Navigation intents that are not acts of their own in the contract.
INTENT_ACTS = {"back": "restart"}


def service_intent(service_id: str) -> str:
    return SERVICE_INTENT_PREFIX + service_id


def intent_to_act(intent: str | None) -> tuple[str, str | None]:
    """(act, service) for an NLU intent name; unknown or fallback -> out_of_scope."""
    if intent and intent.startswith(SERVICE_INTENT_PREFIX):
        service = intent[len(SERVICE_INTENT_PREFIX):]
        if service in SERVICE_IDS:
            return "ask", service
    if intent == DETAIL_INTENT:
        return "ask", None
    if intent in ACT_INTENTS:
        return intent, None
    if intent in INTENT_ACTS:
        return INTENT_ACTS[intent], None
    return "out_of_scope", None
