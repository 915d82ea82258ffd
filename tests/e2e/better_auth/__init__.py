"""Interop with a real Better Auth server: the tokens it mints, its keys, its outages."""
