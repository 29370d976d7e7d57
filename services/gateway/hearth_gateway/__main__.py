"""``python -m hearth_gateway`` / ``hearth-gateway``: run the gateway service."""

from __future__ import annotations

from hearth_gateway.app import create_app
from hearth_gateway.settings import GatewaySettings
from hearth_shared.serve import run_service


def main() -> None:
    run_service(GatewaySettings, create_app)


if __name__ == "__main__":
    main()
