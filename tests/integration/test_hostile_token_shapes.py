"""Token strings of the wrong shape or size, and random mutations of a genuine token."""

import string
from collections.abc import AsyncIterator, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.auth import AuthenticationError
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import decoded_segments, encode_part
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, better_auth_claims
from tests.support.verifier_rig import ManualClock, build_verifier, open_key_set, refusal_reason

MAX_TOKEN_BYTES = 8192
BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
async def verifier(jwks_server: JwksServer) -> AsyncIterator[JwtTokenVerifier]:
    async with open_key_set(jwks_server.url, ManualClock()) as keys:
        yield build_verifier(keys, max_token_bytes=MAX_TOKEN_BYTES)


def token_of_length(key: SigningKeyPair, length: int) -> str:
    """A genuine token padded to exactly ``length`` characters.

    base64url never yields a segment of length 1 mod 4, so the header is padded too.
    """
    for header_pad in range(4):
        headers = {"x": "h" * header_pad}
        unpadded = len(key.sign(better_auth_claims(pad=""), headers=headers))
        estimate = max(0, (length - unpadded) * 3 // 4 - 4)
        for filler in range(estimate, estimate + 12):
            token = key.sign(better_auth_claims(pad="p" * filler), headers=headers)
            if len(token) == length:
                return token
    raise AssertionError(f"no token of length {length}")


async def test_accepts_token_of_exactly_the_size_limit(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair
) -> None:
    token = token_of_length(signing_key, MAX_TOKEN_BYTES)

    assert (await verifier.verify(token)).id == "user-a"


async def test_refuses_token_over_the_size_limit_before_fetching_any_key(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, signing_key: SigningKeyPair
) -> None:
    token = token_of_length(signing_key, MAX_TOKEN_BYTES + 1)

    assert await refusal_reason(verifier, token) == "token_too_large"
    assert jwks_server.requests == 0


async def test_refuses_megabyte_token_before_fetching_any_key(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, token_for: Callable[..., str]
) -> None:
    assert await refusal_reason(verifier, token_for(pad="p" * 1_000_000)) == "token_too_large"
    assert jwks_server.requests == 0


def _garbage(genuine: str) -> dict[str, str]:
    head, payload, signature = genuine.split(".")
    json_string, invalid_utf8 = encode_part(b'"EdDSA"'), encode_part(bytes([0xFF, 0xFE]))
    deeply_nested = encode_part(b"[" * 2000 + b"]" * 2000)
    return {
        "empty": "",
        "space": " ",
        "word": "garbage",
        "two-segments": f"{head}.{payload}",
        "four-segments": f"{genuine}.{signature}",
        "five-dots": "a.b.c.d.e",
        "only-dots": "..",
        "not-base64": "!!!.@@@.###",
        "padded-base64": f"{head}==.{payload}.{signature}",
        "standard-base64-chars": f"{head}.{payload}.{signature[:-2]}+/",
        "bearer-prefix": f"Bearer {genuine}",
        "trailing-newline": f"{genuine}\n",
        "inner-space": f"{head}. {payload}.{signature}",
        "non-ascii": f"{head}.{payload}.{signature[:-1]}é",
        "header-not-json": f"{encode_part(b'not json')}.{payload}.{signature}",
        "header-json-list": f"{encode_part([1, 2])}.{payload}.{signature}",
        "header-json-string": f"{json_string}.{payload}.{signature}",
        "header-invalid-utf8": f"{invalid_utf8}.{payload}.{signature}",
        "header-deeply-nested": f"{deeply_nested}.{payload}.{signature}",
        "payload-not-base64": f"{head}.%%%.{signature}",
    }


@pytest.mark.parametrize("shape", list(_garbage("h.p.s")))
async def test_refuses_string_that_is_not_a_compact_jws(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, token_for: Callable[..., str], shape: str
) -> None:
    assert await refusal_reason(verifier, _garbage(token_for())[shape]) == "malformed"
    assert jwks_server.requests == 0


@pytest.fixture
def genuine_token(signing_key: SigningKeyPair) -> str:
    """A valid token whose signature has a '-' or '_', which lenient decoders read loosely."""
    for attempt in range(200):
        token = signing_key.sign(better_auth_claims(jti=str(attempt)))
        if set(token.rsplit(".", 1)[1]) & set("-_"):
            return token
    raise AssertionError("no signature with '-' or '_' in 200 tries")


@pytest.mark.parametrize(
    "respell",
    [
        pytest.param(lambda signature: signature.translate(str.maketrans("-_", "+/")), id="+/"),
        pytest.param(lambda signature: signature + "==", id="padding"),
        pytest.param(
            lambda signature: signature[:-1] + BASE64URL[BASE64URL.index(signature[-1]) ^ 1],
            id="unused-low-bit-of-last-char",
        ),
    ],
)
async def test_refuses_genuine_signature_respelled_to_the_same_bytes(
    verifier: JwtTokenVerifier, genuine_token: str, respell: Callable[[str], str]
) -> None:
    """A lenient base64 decoder reads these as the genuine signature; one token, one spelling."""
    head, payload, signature = genuine_token.split(".")
    respelled = f"{head}.{payload}.{respell(signature)}"
    assert decoded_segments(respelled) == decoded_segments(genuine_token)

    assert await refusal_reason(verifier, respelled) == "malformed"


@PROPERTY_SETTINGS
@given(data=st.data())
async def test_single_character_change_is_refused_unless_it_decodes_to_the_same_bytes(
    verifier: JwtTokenVerifier, genuine_token: str, data: st.DataObject
) -> None:
    """A changed token may verify only if it stands for the very same bytes.

    Even that never happens here: '+', '/', '=' and the unused low bits of a segment's last
    character (non-canonical base64) are all refused, but the property does not rely on it.
    """
    genuine = genuine_token
    # Besides any position, favour the signature's characters a lenient decoder reads loosely
    # (in the header or payload any change already breaks the signature).
    start = genuine.rindex(".") + 1
    loose = [start + index for index, char in enumerate(genuine[start:]) if char in "-_"]
    position = data.draw(
        st.one_of(st.integers(0, len(genuine) - 1), st.sampled_from(loose)), label="position"
    )
    original = genuine[position]
    replacement = data.draw(
        st.one_of(
            st.sampled_from(BASE64URL + ".=+/ "),
            st.just({"-": "+", "_": "/"}.get(original, "=")),
            st.integers(0, 7).map(lambda bit: chr(ord(original) ^ (1 << bit))),
            st.characters(),
        ).filter(lambda char: char != original),
        label="replacement",
    )
    mutated = genuine[:position] + replacement + genuine[position + 1 :]

    try:
        await verifier.verify(mutated)
    except AuthenticationError:
        return
    assert decoded_segments(mutated) == decoded_segments(genuine)


@PROPERTY_SETTINGS
@given(
    token=st.one_of(
        st.text(max_size=200),
        st.from_regex(
            r"[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,90}", fullmatch=True
        ),
    )
)
async def test_random_string_is_refused_with_an_authentication_error(
    verifier: JwtTokenVerifier, token: str
) -> None:
    with pytest.raises(AuthenticationError):
        await verifier.verify(token)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)
_HEADER_NAMES = st.sampled_from(["alg", "kid", "cty", "crit", "typ", "jku", "jwk", "b64", "zip"])


@settings(PROPERTY_SETTINGS, max_examples=150)
@given(
    header=st.dictionaries(
        _HEADER_NAMES, st.one_of(_JSON, st.sampled_from(["EdDSA", "ES256", "JWT"])), max_size=6
    ),
    payload=st.dictionaries(st.text(max_size=5), _JSON, max_size=6),
    signature=st.binary(max_size=80),
)
async def test_random_header_and_claims_are_refused_with_an_authentication_error(
    verifier: JwtTokenVerifier,
    header: dict[str, object],
    payload: dict[str, object],
    signature: bytes,
) -> None:
    token = f"{encode_part(header)}.{encode_part(payload)}.{encode_part(signature)}"

    with pytest.raises(AuthenticationError):
        await verifier.verify(token)
