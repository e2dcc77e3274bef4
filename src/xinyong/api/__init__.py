"""The HTTP API (FastAPI): `create_app(settings)`; routers in routers/, one per noun."""

from xinyong.api.app import create_app as create_app

__all__ = ["create_app"]
