"""WeCom (企业微信) for staff: ticket notifications as application cards, and commands typed back."""
