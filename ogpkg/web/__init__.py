"""The web layer: ``create_app(settings)`` builds the FastAPI application."""

from ogpkg.web.app import create_app

__all__ = ["create_app"]
