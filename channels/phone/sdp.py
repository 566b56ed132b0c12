"""SDP answers for the hotline: G.711 at 8 kHz, 20 ms, telephone-event when offered."""

from __future__ import annotations

from dataclasses import dataclass

from aiosipua import SdpMessage, SdpNegotiationError, negotiate_sdp

G711 = [0, 8]  # PCMU, PCMA (static payload types, RFC 3551); the offerer's order wins
SENDING_DIRECTIONS = ("sendrecv", "sendonly")


@dataclass
class Answer:
    sdp: SdpMessage
    payload_type: int
    dtmf_payload_type: int | None
    remote: tuple[str, int]
    we_send: bool  # the answer lets us send (not recvonly/inactive)
    peer_sends: bool  # a normal two-way stream: the RTP timeout applies (not on hold)


def answer_offer(offer: SdpMessage, address: str, port: int, session_id: str, version: int) -> Answer:
    """Answer *offer* (RFC 3264) or raise SdpNegotiationError (→ 488)."""
    audio = offer.audio
    remote = offer.rtp_address
    if audio is None or remote is None or audio.port == 0:
        raise SdpNegotiationError("no usable audio stream")
    if audio.proto.upper() != "RTP/AVP":
        raise SdpNegotiationError(f"unsupported transport {audio.proto}")
    dtmf = next(
        (c.payload_type for c in audio.codecs
         if c.encoding_name.lower() == "telephone-event" and c.clock_rate == 8000),
        None,
    )
    # Keep the offerer's telephone-event number: it is what the peer already sends
    sdp, payload_type = negotiate_sdp(
        offer, local_ip=address, rtp_port=port, supported_codecs=G711,
        dtmf_payload_type=dtmf or 0, session_id=session_id,
    )
    sdp.origin.session_version = str(version)
    answer_audio = sdp.audio
    assert answer_audio is not None
    answer_audio.attributes["ptime"] = ["20"]  # what we send, whatever the offer prefers
    return Answer(
        sdp=sdp,
        payload_type=payload_type,
        dtmf_payload_type=dtmf,
        remote=remote,
        we_send=answer_audio.direction in SENDING_DIRECTIONS,
        # On hold (sendonly/inactive) many phones send nothing at all, music or not
        peer_sends=audio.direction == "sendrecv",
    )
