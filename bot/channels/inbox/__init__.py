"""Channels whose residents read what the office sends when they look (the web page, the terminal)."""
