"""WeChat: the official account residents write to, and WeCom for staff (same signature and AES scheme)."""
