"""The `hearth` command: run the embedded stack, migrate a database, generate the configuration docs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError

from hearth.config_docs import render
from hearth.settings import StackSettings
from hearth.up import run_up
from hearth_shared.db import migrate_all
from hearth_shared.errors import HearthError
from hearth_shared.settings import DatabaseSettings

DEFAULT_DOCS = Path("docs/configuration.md")


def cmd_up(args: argparse.Namespace) -> int:
    settings = StackSettings(data_dir=args.data_dir) if args.data_dir else StackSettings()
    return run_up(settings)


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = DatabaseSettings(database_url=args.database_url) if args.database_url else DatabaseSettings()
    try:
        applied = asyncio.run(migrate_all(settings))
    except HearthError as exc:
        print(f"hearth migrate: {exc.detail}", file=sys.stderr)
        return 2
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def cmd_config_docs(args: argparse.Namespace) -> int:
    text = render()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run `hearth config-docs`", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hearth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the whole stack on embedded defaults (no Docker)")
    up.add_argument(
        "--data-dir", type=Path, help="where the stack keeps its data (default ./.hearth, or HEARTH_DATA_DIR)"
    )
    up.set_defaults(func=cmd_up)

    migrate = sub.add_parser("migrate", help="apply pending SQL migrations (HEARTH_DATABASE_URL)")
    migrate.add_argument("--database-url", help="PostgreSQL DSN (default: HEARTH_DATABASE_URL)")
    migrate.set_defaults(func=cmd_migrate)

    docs = sub.add_parser("config-docs", help="write docs/configuration.md from the settings classes")
    docs.add_argument("--output", type=Path, default=DEFAULT_DOCS)
    docs.add_argument("--check", action="store_true", help="exit 1 if the file is stale instead of writing")
    docs.set_defaults(func=cmd_config_docs)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except ValidationError as exc:
        problems = "; ".join(
            f"HEARTH_{'.'.join(str(p) for p in err['loc']).upper()} is invalid: {err['msg']}"
            for err in exc.errors()
        )
        print(f"hearth {args.command}: {problems}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
