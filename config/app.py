"""``create_app``: the Flask application, its API blueprints, OpenAPI document and Swagger UI."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

import swagger_ui_bundle
from flask import Flask, current_app, send_from_directory
from flask_smorest import Api

from access.roles import Permission
from config import auth, errors, idempotency
from config.digest_settings import DigestSettings, load_digest_settings
from config.services import Services, build_services
from config.settings import Settings

SWAGGER_ASSETS = "/api/docs/assets/"


def service_version() -> str:
    try:
        return version("tthc")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Return the WSGI application for ``settings`` (from ``TTHC_*`` variables when None).

    The database must already be migrated (``tthc db upgrade``; ``tthc serve`` does it for SQLite):
    web workers never create tables. Raises ``SettingsError`` when the digest file is wrong.
    """
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__)
    app.config.update(
        API_TITLE="tthc — Danh mục TTHC và theo dõi hồ sơ",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_ASSETS,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["tthc"] = services = services or build_services(settings)
    app.extensions["tthc_digest"] = load_digest_settings(settings, services.agencies)  # fails at start-up

    api = Api(app)
    auth.init_app(app, api, settings)
    from access.api import blp as access_blp
    from catalog.api import blp as catalog_blp
    from config.health import blp as health_blp
    from tracker.api import blp as tracker_blp
    from tracker.digest_api import blp as digest_blp

    api.register_blueprint(health_blp)
    api.register_blueprint(catalog_blp)
    api.register_blueprint(tracker_blp)
    api.register_blueprint(digest_blp)
    api.register_blueprint(access_blp)
    errors.init_app(app)
    idempotency.init_app(app, lambda: app.extensions["tthc"].projector.engine)

    @app.get(SWAGGER_ASSETS + "<path:filename>")
    @auth.requires(Permission.SIGNED_IN)
    def swagger_assets(filename: str):
        """Swagger UI's files, from the installed ``swagger-ui-bundle`` package (no CDN)."""
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    return app


def services() -> Services:
    """Return the services of the current application (for views)."""
    return current_app.extensions["tthc"]


def digest_settings() -> DigestSettings:
    """Return the digest's groups and channels of the current application (for views)."""
    return current_app.extensions["tthc_digest"]
