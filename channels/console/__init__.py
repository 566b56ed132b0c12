"""The staff console at /console: login, the live queue, cases, live chat,
hand-back, and (for admins) accounts and figures. See README.md here."""
