"""The `crawler` command. Each command parses options and calls one library function.

Errors meant for the operator are one line on stderr and exit status 2; `--debug` shows
the traceback instead (OneLineErrors).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer import Abort
from typer._click.exceptions import ClickException, NoSuchOption, UsageError
from typer.core import TyperGroup

from crawler.cli import (
    crawl,
    db,
    export,
    query,
    reextract,
    runs,
    schedule,
    serve,
    show,
    sites,
    stats,
)
from crawler.errors import CrawlerError

HINT = "Add --debug to any command to see the traceback of an error."


class OneLineErrors(TyperGroup):
    """Every mistake an operator can make is one line on stderr and exit status 2: a bad
    option or value (Click would print a usage block), a CrawlerError (a setting, the archive).
    Here rather than in main() so that the app behaves the same through Typer's CliRunner."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        if debug:
            argv.remove("--debug")
        try:
            status = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageError as exc:
            if exc.ctx is not None and not exc.format_message():  # a group without a command
                typer.echo(exc.ctx.get_help())
                sys.exit(0)
            where = ""
            if exc.ctx is not None:
                where = f" (see `{exc.ctx.command_path} --help`)"
                if isinstance(exc, NoSuchOption) and exc.ctx.info_name == "query":
                    where += "; a search starting with -word goes after --: query -- '-word other'"
            _fail(f"{exc.format_message()}{where}", 2)
        except ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except CrawlerError as exc:
            if debug:
                raise
            _fail(str(exc), 2)
        except (KeyboardInterrupt, Abort):
            typer.secho("interrupted", err=True)
            sys.exit(130)
        if not standalone_mode:
            return status
        sys.exit(status if isinstance(status, int) else 0)


def _fail(message: str, status: int) -> NoReturn:
    # One line even when the message holds newlines (an exception's own text may).
    typer.secho("error: " + " ".join(message.split()), fg=typer.colors.RED, err=True)
    sys.exit(status)


app = typer.Typer(
    cls=OneLineErrors,
    help="A focused news-archiving crawler: crawl, archive and query articles related to "
    f"seeds. Errors are one line. {HINT}",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(sites.app, name="site")
crawl.register(app)
reextract.register(app)
runs.register(app)
schedule.register(app)
query.register(app)
show.register(app)
stats.register(app)
export.register(app)
serve.register(app)


def main() -> None:
    app()
