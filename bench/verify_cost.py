"""Per-request cost of token verification and key lookup, measured in-process (medians)."""

import asyncio
import statistics
import time

from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier, TokenRules
from interfaces.settings import DEFAULT_ALGORITHMS


async def _measure(jwks_url: str, issuer: str, token: str, rounds: int) -> dict[str, float]:
    algorithms = frozenset(DEFAULT_ALGORITHMS)
    keys = JwksKeySet(jwks_url, algorithms)
    verifier = JwtTokenVerifier(
        keys, TokenRules(issuer=issuer, audience=issuer, algorithms=algorithms)
    )
    user = await verifier.verify(token)
    kid = token and (await _kid(token))
    lookup, verify = [], []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        await keys.key_for(kid)
        lookup.append(time.perf_counter_ns() - started)
        started = time.perf_counter_ns()
        await verifier.verify(token)
        verify.append(time.perf_counter_ns() - started)
    await keys.aclose()
    assert user.id
    return {
        "key lookup (us)": statistics.median(lookup) / 1000,
        "verify (us)": statistics.median(verify) / 1000,
    }


async def _kid(token: str) -> str:
    import jwt

    return str(jwt.get_unverified_header(token)["kid"])


def verification_cost(
    jwks_url: str, issuer: str, token: str, rounds: int = 3000
) -> dict[str, float]:
    return asyncio.run(_measure(jwks_url, issuer, token, rounds))
