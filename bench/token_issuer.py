"""A loopback JWKS endpoint and Better-Auth-shaped EdDSA tokens for the benchmark users."""

from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER, better_auth_claims, generate_key


class TokenIssuer:
    """Plays Better Auth for the benchmark: publishes one Ed25519 key and signs tokens with it."""

    def __init__(self) -> None:
        self._key = generate_key("EdDSA")
        self.server = JwksServer().start()
        self.server.publish(self._key.public_jwk)
        self.issuer = ISSUER

    @property
    def jwks_url(self) -> str:
        return self.server.url

    @property
    def fetches(self) -> int:
        return self.server.requests

    def token_for(self, user_id: str) -> str:
        # Long-lived enough for a whole run; shape otherwise identical to Better Auth's.
        claims = better_auth_claims(user_id)
        claims["exp"] = claims["iat"] + 3600
        return self._key.sign(claims)

    def close(self) -> None:
        self.server.stop()
