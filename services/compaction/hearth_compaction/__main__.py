"""``python -m hearth_compaction`` / ``hearth-compaction``: run the compaction service."""

from __future__ import annotations

from hearth_compaction.app import create_app
from hearth_compaction.settings import CompactionSettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(CompactionSettings, create_app)


if __name__ == "__main__":
    main()
