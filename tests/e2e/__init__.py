"""End-to-end tests: the whole app over HTTP, with real tokens from a loopback JWKS."""
