"""Authentication adapters: Better Auth JWTs verified against its JWKS."""
