"""``python -m hearth_query_api`` / ``hearth-query-api``: run the query API service."""

from __future__ import annotations

from hearth_query_api.app import create_app
from hearth_query_api.settings import QueryApiSettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(QueryApiSettings, create_app)


if __name__ == "__main__":
    main()
