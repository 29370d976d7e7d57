"""``python -m hearth_ingest`` / ``hearth-ingest``: run the ingest service."""

from __future__ import annotations

from hearth_ingest.app import create_app
from hearth_ingest.settings import IngestSettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(IngestSettings, create_app)


if __name__ == "__main__":
    main()
