"""JwtOrSessionVerifier: routes each credential by its shape, to exactly one verifier."""

import pytest

from application.auth import AuthenticatedUser, AuthenticationError
from infrastructure.auth.composite_verifier import JwtOrSessionVerifier, looks_like_jwt
from tests.fakes import StaticTokenVerifier
from tests.support.keys import better_auth_claims, generate_key

# base64url of {"alg":"EdDSA","kid":"k1"}
JWT_HEADER = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0"
SESSION_TOKEN = "waXCDJAB1S0QZZqjerRfTs0MmSf07s6o.+k9aSlH+K2k5o+xL4PU6HMi+jIR4pIFoHhlz+W6rKpg="

SHAPES = {
    "real-jwt": (generate_key("EdDSA").sign(better_auth_claims("u1")), True),
    "jwt-empty-signature": (f"{JWT_HEADER}.e30.", True),
    "signed-session-token": (SESSION_TOKEN, False),
    "unsigned-session-token": ("waXCDJAB1S0QZZqjerRfTs0MmSf07s6o", False),
    "three-segments-header-not-json": ("abc.def.ghi", False),
    "header-json-but-not-object": ("WzFd.e30.sig", False),  # [1]
    "four-segments": (f"{JWT_HEADER}.e30.sig.extra", False),
    "non-base64url-header": (f"{JWT_HEADER}+.e30.sig", False),
    "empty": ("", False),
}


@pytest.mark.parametrize(("token", "is_jwt"), SHAPES.values(), ids=SHAPES)
def test_recognises_the_jwt_shape(token: str, is_jwt: bool) -> None:
    assert looks_like_jwt(token) is is_jwt


@pytest.fixture
def verifier() -> JwtOrSessionVerifier:
    jwt = StaticTokenVerifier({f"{JWT_HEADER}.e30.sig": AuthenticatedUser(id="by-jwt")})
    session = StaticTokenVerifier({SESSION_TOKEN: AuthenticatedUser(id="by-session")})
    return JwtOrSessionVerifier(jwt=jwt, session=session)


@pytest.mark.parametrize(
    ("token", "user_id"),
    [(f"{JWT_HEADER}.e30.sig", "by-jwt"), (SESSION_TOKEN, "by-session")],
    ids=["jwt", "session"],
)
async def test_sends_each_credential_to_its_verifier(
    verifier: JwtOrSessionVerifier, token: str, user_id: str
) -> None:
    assert (await verifier.verify(token)).id == user_id


async def test_a_refused_jwt_is_not_retried_as_a_session() -> None:
    jwt_token = f"{JWT_HEADER}.e30.sig"
    session = StaticTokenVerifier({jwt_token: AuthenticatedUser(id="wrong")})
    verifier = JwtOrSessionVerifier(jwt=StaticTokenVerifier({}), session=session)

    with pytest.raises(AuthenticationError):
        await verifier.verify(jwt_token)
