"""Container: the one composition root, where settings become adapters and use cases."""

from collections.abc import Callable
from datetime import timedelta

from dependency_injector import containers, providers

from application.idempotent_requests import IdempotentRequests
from application.ports import Clock, IdempotencyStore, TaskRepository, TokenVerifier
from application.task_service import TaskService
from infrastructure.auth.better_auth_session import BetterAuthSessionVerifier, SessionPolicy
from infrastructure.auth.composite_verifier import JwtOrSessionVerifier
from infrastructure.auth.jwks import JwksKeySet, JwksPolicy
from infrastructure.auth.jwt_verifier import JwtTokenVerifier, TokenRules
from infrastructure.auth.verified_token_cache import CachedTokenVerifier
from infrastructure.clock import SystemClock
from infrastructure.persistence.database import Database, PoolOptions
from infrastructure.persistence.memory import InMemoryTaskRepository
from infrastructure.persistence.memory_idempotency import InMemoryIdempotencyStore
from infrastructure.persistence.sql_idempotency import SqlIdempotencyStore
from infrastructure.persistence.sql_tasks import SqlTaskRepository
from interfaces.settings import Settings


def _repository_kind(settings: Settings) -> str:
    return "memory" if settings.storage.value == "memory" else "sql"


def _verifier_kind(settings: Settings) -> str:
    return settings.auth_mode.replace(",", "_")  # "jwt", "session" or "jwt_session"


class Container(containers.DeclarativeContainer):
    """Built once per app by ``create_app``; tests override providers on their own app only."""

    settings = providers.Dependency(instance_of=Settings)

    clock: providers.Provider[Clock] = providers.Singleton(SystemClock)

    database = providers.ThreadSafeSingleton(
        Database,
        url=settings.provided.database_url,
        pool=providers.Factory(
            PoolOptions,
            size=settings.provided.db_pool_size,
            max_overflow=settings.provided.db_max_overflow,
            timeout_seconds=settings.provided.db_pool_timeout_seconds,
            connect_timeout_seconds=settings.provided.db_connect_timeout_seconds,
            command_timeout_seconds=settings.provided.db_command_timeout_seconds,
        ),
    )

    memory_idempotency_store = providers.ThreadSafeSingleton(InMemoryIdempotencyStore)

    task_repository: providers.Provider[TaskRepository] = providers.Selector(
        providers.Callable(_repository_kind, settings),
        memory=providers.ThreadSafeSingleton(
            InMemoryTaskRepository, idempotency_store=memory_idempotency_store
        ),
        sql=providers.ThreadSafeSingleton(SqlTaskRepository, database=database),
    )

    # Keys live beside the tasks: the repository completes a key in the insert's transaction.
    idempotency_store: providers.Provider[IdempotencyStore] = providers.Selector(
        providers.Callable(_repository_kind, settings),
        memory=memory_idempotency_store,
        sql=providers.ThreadSafeSingleton(SqlIdempotencyStore, database=database),
    )

    # Hears every JWKS fetch (succeeded: bool); create_app passes the metrics' counter.
    jwks_fetch_listener: providers.Provider[Callable[[bool], None] | None] = providers.Object(None)

    jwks = providers.ThreadSafeSingleton(
        JwksKeySet,
        url=settings.provided.jwks_url,
        allowed_algorithms=providers.Callable(frozenset, settings.provided.jwt_algorithms),
        policy=providers.Factory(
            JwksPolicy,
            cache_ttl=settings.provided.jwks_cache_ttl_seconds,
            min_refetch_interval=settings.provided.jwks_min_refetch_interval_seconds,
            fetch_timeout=settings.provided.jwks_fetch_timeout_seconds,
        ),
    ).add_attributes(on_fetch=jwks_fetch_listener)

    jwt_verifier = providers.ThreadSafeSingleton(
        JwtTokenVerifier,
        keys=jwks,
        rules=providers.Factory(
            TokenRules,
            issuer=settings.provided.jwt_issuer,
            audience=settings.provided.jwt_audience,
            algorithms=providers.Callable(frozenset, settings.provided.jwt_algorithms),
            leeway_seconds=settings.provided.jwt_leeway_seconds,
            max_lifetime_seconds=settings.provided.jwt_max_lifetime_seconds,
        ),
    )

    session_verifier = providers.ThreadSafeSingleton(
        BetterAuthSessionVerifier,
        session_url=settings.provided.session_url,
        policy=providers.Factory(
            SessionPolicy,
            cache_ttl=settings.provided.session_cache_ttl_seconds,
            timeout=settings.provided.session_timeout_seconds,
            breaker_threshold=settings.provided.session_breaker_threshold,
            breaker_cooldown=settings.provided.session_breaker_cooldown_seconds,
            cookie_names=providers.Callable(tuple, settings.provided.session_cookie_names),
        ),
    )

    # Re-verifying the same token on every request is the hot path's largest cost; a verified
    # token is remembered until it expires (age-capped). Refusals are never cached.
    cached_jwt_verifier = providers.ThreadSafeSingleton(
        CachedTokenVerifier,
        inner=jwt_verifier,
        max_entries=settings.provided.jwt_cache_max_entries,
        max_age_seconds=settings.provided.jwt_cache_max_age_seconds,
    )

    token_verifier: providers.Provider[TokenVerifier] = providers.Selector(
        providers.Callable(_verifier_kind, settings),
        jwt=cached_jwt_verifier,
        session=session_verifier,
        jwt_session=providers.ThreadSafeSingleton(
            JwtOrSessionVerifier, jwt=cached_jwt_verifier, session=session_verifier
        ),
    )

    task_service = providers.ThreadSafeSingleton(
        TaskService, repository=task_repository, clock=clock
    )

    idempotent_requests = providers.ThreadSafeSingleton(
        IdempotentRequests,
        store=idempotency_store,
        clock=clock,
        ttl=providers.Factory(timedelta, seconds=settings.provided.idempotency_ttl_seconds),
    )
