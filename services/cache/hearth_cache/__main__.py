"""``python -m hearth_cache`` / ``hearth-cache``: run the cache service."""

from __future__ import annotations

from hearth_cache.app import create_app
from hearth_cache.settings import CacheSettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(CacheSettings, create_app)


if __name__ == "__main__":
    main()
