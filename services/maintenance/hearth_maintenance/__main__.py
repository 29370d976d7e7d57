"""``python -m hearth_maintenance`` / ``hearth-maintenance``: run the maintenance service."""

from __future__ import annotations

from hearth_maintenance.app import create_app
from hearth_maintenance.settings import MaintenanceSettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(MaintenanceSettings, create_app)


if __name__ == "__main__":
    main()
