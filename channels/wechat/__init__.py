"""WeChat official accounts (公众号): the protocol layer (request checking, safe
mode, safe XML, the message model, passive replies, text formatting, the HTTP
API client, voice decoding, retry deduplication, the custom menu), which imports
nothing of the gateway, and the channel that mounts it in the gateway
(setup.py, service.py, passive.py, turns.py, channel.py, followers.py,
identity.py). See README.md.
"""
