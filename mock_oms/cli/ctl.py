"""``mock-oms ctl``: steer a running mock-oms from the shell, over the typed client.

The group holds what every subcommand shares: where the server is (``--url``), the control
token (``MOCK_OMS_CONTROL_TOKEN``, as the server reads it), ``--json`` for scripts, and the
one place where the server's refusals become a message and an exit status. The subcommands
live beside it, one module per concern (``ctl_clock``, ``ctl_projects``, ``ctl_faults``,
``ctl_journal``); each calls a :class:`~mock_oms.client.ControlClient` method and prints the
model it returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
import httpx

from mock_oms.cli.options import env
from mock_oms.client import ControlClient, ControlError
from mock_oms.config import DEFAULT_PORT
from mock_oms.web.control.models import Model

__all__ = [
    "DEFAULT_URL",
    "Ctl",
    "ctl",
    "emit",
    "failure",
    "pass_ctl",
    "refusal",
    "server_options",
    "talking",
]

DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


class Ctl:
    """What a subcommand gets: the client (made at first use) and the output mode."""

    def __init__(self, url: str, token: str | None, as_json: bool) -> None:
        self.url = url
        self.token = token
        self.as_json = as_json
        self._client: ControlClient | None = None

    @property
    def client(self) -> ControlClient:
        if self._client is None:
            self._client = ControlClient(self.url, token=self.token)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


pass_ctl = click.make_pass_decorator(Ctl)


def failure(exc: Exception, url: str) -> str:
    """One line saying why a call failed: the server's envelope, or why it was not reached."""
    if isinstance(exc, ControlError):
        return refusal(exc.envelope, exc.status)
    if isinstance(exc, httpx.ConnectError):
        return f"no mock-oms answers at {url} ({exc}); start one with `mock-oms serve`"
    return f"{url}: {type(exc).__name__}: {exc}"


def refusal(envelope: dict[str, Any], status: int | None = None) -> str:
    """An error envelope in one line: status, code, message, advice."""
    code = str(envelope.get("code", ""))
    message = str(envelope.get("message", "")).removeprefix(f"[{code}]: ")
    advice = envelope.get("advice")
    said = f"{'' if status is None else f'HTTP {status} '}{code}: {message}"
    return f"{said} ({advice})" if advice else said


@contextmanager
def talking(ctl: Ctl) -> Iterator[None]:
    """Turn a refused or failed call into ``mock-oms ctl: REASON`` and exit status 1."""
    try:
        yield
    except (ControlError, httpx.HTTPError) as exc:
        raise click.ClickException(failure(exc, ctl.url)) from None


def emit(
    ctl: Ctl,
    result: Model | Sequence[Model] | dict[str, Any],
    human: Callable[[Any], str],
) -> None:
    """Print ``result``: its JSON with ``--json``, else ``human(result)``."""
    if ctl.as_json:
        if isinstance(result, Model):
            document: Any = result.to_json()
        elif isinstance(result, dict):
            document = result
        else:
            document = [item.to_json() for item in result]
        click.echo(json.dumps(document, indent=2))
    else:
        text = human(result)
        if text:
            click.echo(text)


def server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--url``, ``--token`` (from ``MOCK_OMS_CONTROL_TOKEN``) and ``--json``: what a
    command that talks to a running server takes (``ctl``, ``coverage``)."""
    for option in reversed(
        (
            click.option(
                "--url",
                default=DEFAULT_URL,
                show_default=True,
                envvar=env("url"),
                help="The mock-oms to steer.",
            ),
            click.option(
                "--token",
                default=None,
                envvar=env("control-token"),
                metavar="TOKEN",
                help="The server's --control-token (default: from MOCK_OMS_CONTROL_TOKEN).",
            ),
            click.option(
                "--json",
                "as_json",
                is_flag=True,
                envvar=env("ctl-json"),
                help="Print what the server answered as JSON, for scripts.",
            ),
        )
    ):
        command = option(command)
    return command


@click.group()
@server_options
@click.pass_context
def ctl(ctx: click.Context, url: str, token: str | None, as_json: bool) -> None:
    """Steer a running mock-oms: move its clock, act on projects, inject faults, read its
    request journal. Errors are the server's own, with exit status 1."""
    state = Ctl(url.rstrip("/"), token or None, as_json)
    ctx.obj = state
    ctx.call_on_close(state.close)
