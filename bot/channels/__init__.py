"""Channel adapters: each verifies, parses platform input to `InboundMessage`s and renders replies."""
