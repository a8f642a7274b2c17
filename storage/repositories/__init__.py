"""Repositories: queries and writes on a session given by the caller. They never commit."""
