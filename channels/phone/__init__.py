"""The hotline channel's telephony layer: SIP, SDP, RTP, keys and transfer.

Stage 2 (the conversation) gets a Call per answered call; see README.md.
"""

from .call import END_REASONS, Call
from .config import PhoneConfig, PhoneConfigError
from .endpoint import PhoneEndpoint

__all__ = ["END_REASONS", "Call", "PhoneConfig", "PhoneConfigError", "PhoneEndpoint"]
