"""``python -m hearth_backend`` / ``hearth-backend``: run the backend service."""

from __future__ import annotations

from hearth_backend.app import create_app
from hearth_backend.settings import BackendSettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(BackendSettings, create_app)


if __name__ == "__main__":
    main()
