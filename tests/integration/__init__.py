"""Integration tests: each adapter against the real thing it talks to (JWKS, databases)."""
