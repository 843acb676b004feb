"""Front-end packages installed from npm (`web/assets/package.json`, `make setup` runs `npm ci`
then `npm run build`).

`/vendor/<package>/<file>` serves only the folders listed here, so nothing else in node_modules
is reachable: bpmn-js and Chart.js as published, and the designer's bundle (`designer`: the
modeler with its properties panel, lint rules and token simulation, and the DMN editor) built
from `web/assets/src/designer` by `web/assets/build.mjs` into `web/assets/dist/designer`.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory

ASSETS = Path(__file__).parent / "assets"
NODE_MODULES = ASSETS / "node_modules"
SERVED = {
    "bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
    "chart.js": NODE_MODULES / "chart.js" / "dist",
    "designer": ASSETS / "dist" / "designer",
}


def init_app(app: Flask) -> None:
    @app.get("/vendor/<package>/<path:filename>")
    def vendor(package: str, filename: str):
        folder = SERVED.get(package)
        if folder is None:
            abort(404)
        return send_from_directory(folder, filename, max_age=86400)


def installed() -> bool:
    return all(folder.is_dir() for folder in SERVED.values())


def bundle_version() -> str:
    """Changes with each build of the designer's bundle: page links carry it, so browsers that keep
    `/vendor/designer/…` for a day still fetch a new build."""
    built = SERVED["designer"] / "modeler.js"
    return str(int(built.stat().st_mtime)) if built.exists() else "0"
