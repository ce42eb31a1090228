"""WSGI entry point for production servers: ``gunicorn "config.wsgi:app"`` (settings from TTHC_*)."""

from config.app import create_app

app = create_app()
