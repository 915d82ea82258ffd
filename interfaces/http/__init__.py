"""The HTTP interface: FastAPI app, routes, schemas and error mapping."""
