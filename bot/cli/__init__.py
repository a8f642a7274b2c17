"""The `frontdoor` command."""
