"""WeChat official account (公众号) protocol layer: request checking, safe mode,
safe XML, the message model, passive replies, text formatting, the HTTP API
client, voice decoding, retry deduplication and the custom menu.

Nothing here imports the gateway: the glue that feeds messages into the turn
pipeline lives outside this package. See README.md.
"""
