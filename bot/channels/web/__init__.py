"""The browser chat channel of the demo page: JSON in, JSON out."""
