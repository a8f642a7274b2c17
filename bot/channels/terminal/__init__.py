"""The terminal chat (`frontdoor chat`) as a channel."""
