"""The community kiosk: the touch-and-talk page the gateway serves at `/`, and its
websocket (text turns, button taps, microphone audio in, speech out, staff messages,
the idle reset between people). See README.md in this folder."""
