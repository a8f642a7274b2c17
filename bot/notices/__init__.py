"""Notices to residents: composition, audience, fan-out, CAP export."""
