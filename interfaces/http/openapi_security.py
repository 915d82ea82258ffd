"""OpenAPI: list the session cookie beside the bearer token when AUTH_MODE includes session."""

from typing import Any

from fastapi import FastAPI

from interfaces.http.dependencies import bearer_scheme, session_cookie_scheme


def declare_session_cookie(app: FastAPI) -> None:
    """Offer the cookie as an alternative to the bearer token on every authenticated route.

    Routers are built at import time, shared by every app, so their declared security cannot
    depend on one app's settings; this app's schema is amended instead.
    """
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build_schema()
        cookie = session_cookie_scheme.scheme_name
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[cookie] = session_cookie_scheme.model.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                security = operation.get("security") if isinstance(operation, dict) else None
                if security and any(bearer_scheme.scheme_name in item for item in security):
                    security.append({cookie: []})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
