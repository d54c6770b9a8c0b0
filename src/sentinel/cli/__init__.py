"""``sentinel``: the command line. Commands and options follow docs/architecture.md#command-line
(a contract).

The group and what every command shares live here; the commands are in :mod:`.collection` and
:mod:`.analysis`, imported at the end so they register on :func:`main`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from sentinel.errors import ConfigError, SentinelError
from sentinel.logthrottle import throttle_asyncio
from sentinel.masking import install_log_masking
from sentinel.settings import Settings, load_settings

if TYPE_CHECKING:
    from sentinel.store.db import Database

EXIT_CONFIG = 2


class Context:
    def __init__(self, config_path: str | None, log_level: str) -> None:
        self.config_path = config_path
        self.log_level = log_level
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    def settings_or_defaults(self) -> Settings:
        """For commands that need nothing of an office (``analyze``, ``calendar show``): the
        embedded defaults when no configuration file is named or present, else :attr:`settings`
        (a bad file is still an error)."""
        import os
        from pathlib import Path

        from sentinel.settings import DEFAULT_CONFIG

        chosen = self.config_path or os.environ.get("SENTINEL_CONFIG")
        if chosen is None and not Path(DEFAULT_CONFIG).exists():
            return Settings()
        return self.settings


pass_ctx = click.make_pass_decorator(Context)


class SentinelGroup(click.Group):
    """Turns sentinel's own errors into one clear line and the documented exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"sentinel: configuration error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except SentinelError as exc:
            click.echo(f"sentinel: {exc}", err=True)
            sys.exit(1)


@click.group(cls=SentinelGroup)
@click.option("--config", "config_path", envvar="SENTINEL_CONFIG", default=None, metavar="PATH",
              help="Configuration file (default $SENTINEL_CONFIG, else config/sentinel.yaml).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.version_option(package_name="sentinel-gov")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """sentinel: public-opinion (政务舆情) monitoring and response-deadline alerting."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    throttle_asyncio()  # out of file descriptors, asyncio would log every accept it retries
    install_log_masking()  # no secret in a URL reaches the log, whoever logs it (httpx logs each request)
    ctx.obj = Context(config_path, log_level)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _local(value: datetime | None, settings: Settings) -> str:
    return value.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@contextlib.contextmanager
def store(settings: Settings) -> Iterator[Database]:
    """The configured database, migrated, closed when the command is done with it."""
    from sentinel.store.db import open_database

    database = open_database(settings.database.url)
    try:
        yield database
    finally:
        database.close()


from sentinel.cli import actions, analysis, collection, disclosure, notify, reports, sessions, storage  # noqa: E402,F401,I001  (register the commands)
