"""Telegram: residents and staff on one bot, through python-telegram-bot."""
