"""Front-end packages installed from npm (`web/assets/package.json`, `make setup` runs `npm ci`).

`/vendor/<package>/<file>` serves only the distribution folders listed here, so nothing else in
node_modules is reachable.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory

NODE_MODULES = Path(__file__).parent / "assets" / "node_modules"
SERVED = {
    "bpmn-js": "bpmn-js/dist",
    "chart.js": "chart.js/dist",
}


def init_app(app: Flask) -> None:
    @app.get("/vendor/<package>/<path:filename>")
    def vendor(package: str, filename: str):
        folder = SERVED.get(package)
        if folder is None:
            abort(404)
        return send_from_directory(NODE_MODULES / folder, filename, max_age=86400)


def installed() -> bool:
    return all((NODE_MODULES / folder).is_dir() for folder in SERVED.values())
