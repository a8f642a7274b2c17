"""The staff web console: sign-in, pages, numbers."""
