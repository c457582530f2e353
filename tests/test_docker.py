"""What the image runs, and the documented container and CI recipes (docs/docker.md,
docs/ci.md), checked without Docker.

The image itself is built and run for real by `.ci/container` (buildah, on every CI run):
it checks there what only the image can show (its user, where mock-oms is installed, that
it serves). Here, each documented container invocation runs through the real CLI with the
image's own environment and command, stopping just before the server binds, and the
image's health probe runs against a real server.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner
from pages import PAGES, page

import mock_oms.serve.server
from mock_oms.cli import main
from mock_oms.config import Settings
from mock_oms.core.library import Library
from mock_oms.resources import scenarios_dir
from mock_oms.serve.live import LiveServer

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
DOCKERIGNORE = (ROOT / ".dockerignore").read_text(encoding="utf-8")
# the pages with the container and CI recipes, and the scenario the recipes mount
RECIPE_PAGES = ("docs/docker.md", "docs/ci.md", "docs/scenarios.md")
README = "\n".join(page(name) for name in RECIPE_PAGES)
EVERY_PAGE = "\n".join(PAGES.values())
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

LOCAL_IMAGE = "mock-oms"  # what the docs' `docker build -t` names
REGISTRY_IMAGE = "registry.example.com/team/mock-oms:0.1.0"  # what the CI recipes pull
HEALTH = "/_mock/health"
PORT = 8089
# The first line of a recipe names the file it goes in; test_readme.py leaves these alone.
RECIPES = {
    "compose": "# compose.yaml",
    "github": "# .github/workflows/",
    "gitlab": "# .gitlab-ci.yml",
}


# --- the Dockerfile, as instructions and stages ---------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def one(self, keyword: str) -> str:
        (args,) = self.all(keyword)
        return args

    def index(self, keyword: str, pattern: str) -> int:
        """The position of the first ``keyword`` instruction whose arguments match."""
        for i, (kw, args) in enumerate(self.instructions):
            if kw == keyword and re.search(pattern, args):
                return i
        raise AssertionError(f"no {keyword} matching {pattern!r}")


def instructions(text: str) -> Iterator[tuple[str, str]]:
    logical = ""
    for line in text.splitlines():
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):  # a comment inside a continued instruction
            continue
        if line.rstrip().endswith("\\"):
            logical += line.rstrip()[:-1] + " "
            continue
        logical += line
        keyword, _, args = logical.strip().partition(" ")
        yield keyword.upper(), " ".join(args.split())
        logical = ""


def stages(text: str) -> list[Stage]:
    out: list[Stage] = []
    for keyword, args in instructions(text):
        if keyword == "FROM":
            words = args.split()
            out.append(Stage(words[0], words[2] if len(words) == 3 else None))
        else:
            out[-1].instructions.append((keyword, args))
    return out


STAGES = stages(DOCKERFILE)
RUNTIME = STAGES[-1]


def exec_form(args: str) -> list[str]:
    value = yaml.safe_load(args)  # a JSON array is YAML too
    assert isinstance(value, list), f"not the exec (JSON array) form: {args}"
    return [str(v) for v in value]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in RUNTIME.all("ENV"):
        for word in shlex.split(args):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def test_the_health_probe_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HEALTHCHECK's Python, against a real server on the port it reads."""
    from mock_oms.core.clock import ClockMode

    code = exec_form(RUNTIME.one("HEALTHCHECK").partition(" CMD ")[2])[-1]
    # behind a control token too: the health check sends none
    settings = Settings(port=0, clock=ClockMode.MANUAL, control_token="secret")
    with LiveServer(settings) as server:
        monkeypatch.setenv("MOCK_OMS_PORT", str(server.port))
        exec(code, {})


def test_dockerignore_is_an_allowlist_of_what_the_wheel_needs() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "ignore everything first"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {
        "pyproject.toml",
        PYPROJECT["project"]["readme"],
        *wheel["packages"],
        *wheel.get("force-include", {}),
    }
    assert needed <= allowed, needed - allowed


# --- the documented blocks -------------------------------------------------------------------


BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


def recipe(kind: str) -> Any:
    (text,) = [b for lang, b in BLOCKS if lang == "yaml" and b.startswith(RECIPES[kind])]
    return yaml.safe_load(text)


def test_the_recipes_are_in_the_readme_and_parse() -> None:
    for kind in RECIPES:
        assert isinstance(recipe(kind), dict), kind


def test_the_readme_builds_the_images_the_recipes_use() -> None:
    commands = [line.strip() for lang, b in BLOCKS if lang == "sh" for line in b.splitlines()]
    assert f"docker build -t {LOCAL_IMAGE} ." in commands
    assert f"docker build -t {REGISTRY_IMAGE} ." in commands
    (derived,) = [b for lang, b in BLOCKS if lang == "dockerfile"]
    (stage,) = stages(derived)
    assert stage.base == REGISTRY_IMAGE
    assert any(c.endswith(" /scenarios/") for c in stage.all("COPY"))
    assert "mock-oms validate /scenarios" in stage.all("RUN")
    assert "MOCK_OMS_SCENARIOS=/scenarios" in stage.all("ENV")


def test_every_environment_variable_the_readme_names_is_an_option() -> None:
    known: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            envvar = getattr(param, "envvar", None)
            known.update([envvar] if isinstance(envvar, str) else envvar or [])
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    walk(main)
    # whole names only: MOCK_OMS_<OPTION> and MOCK_OMS_RECORD_<OPTION> are patterns
    tokens = re.findall(r"MOCK_OMS_[A-Z0-9_<>]*[A-Z0-9>]", EVERY_PAGE)
    named = {t for t in tokens if "<" not in t}
    assert named <= known, named - known


# --- documented container invocations, through the real CLI ------------------------------------


@dataclass
class Invocation:
    """What a container runs: the image's ENV plus the caller's, and its arguments."""

    args: list[str]
    env: dict[str, str]
    port: int | None = None  # the container port published (-p, ports:), if any


def docker_runs() -> list[tuple[str, Invocation]]:
    valued = {"-p", "-v", "-e", "--network", "--name", "--publish", "--volume", "--env"}
    out = []
    for lang, body in BLOCKS:
        if lang != "sh":
            continue
        for line in body.splitlines():
            if not line.startswith("docker run "):
                continue
            words = shlex.split(line)[2:]
            env, port = image_env(), None
            while words[0].startswith("-"):
                flag = words.pop(0)
                if flag in valued:
                    value = words.pop(0)
                    if flag in ("-e", "--env"):
                        name, _, val = value.partition("=")
                        env[name] = val
                    elif flag in ("-p", "--publish"):
                        port = int(value.rsplit(":", 1)[1])
            image = words.pop(0)
            assert image in (LOCAL_IMAGE, REGISTRY_IMAGE), line
            args = words or exec_form(RUNTIME.one("CMD"))
            out.append((line, Invocation(args, env, port)))
    return out


def service_invocations() -> list[tuple[str, Invocation]]:
    cmd = exec_form(RUNTIME.one("CMD"))
    compose = recipe("compose")["services"]["oms"]
    github = recipe("github")["jobs"]["test"]["services"]["oms"]
    (gitlab,) = recipe("gitlab")["oms-client-tests"]["services"]

    def port(ports: list[str]) -> int:
        (mapping,) = ports
        host, container = map(int, mapping.split(":"))
        assert host == container == PORT
        return container

    return [
        ("compose", Invocation(cmd, image_env() | compose["environment"], port(compose["ports"]))),
        ("github", Invocation(cmd, image_env() | github["env"], port(github["ports"]))),
        ("gitlab", Invocation(gitlab["command"], image_env(), PORT)),
    ]


INVOCATIONS = docker_runs() + service_invocations()


@pytest.fixture
def mounts(tmp_path: Path) -> dict[str, str]:
    """The container paths the docs name, as folders here: /opt/mock-oms/scenarios is the
    bundled library, /scenarios holds the docs' own example scenario."""
    (example,) = [b for lang, b in BLOCKS if lang == "yaml" and b.startswith("# scenarios/")]
    mine = tmp_path / "scenarios"
    mine.mkdir()
    (mine / "nightly-load.yaml").write_text(example, encoding="utf-8")
    bundled = tmp_path / "bundled"
    shutil.copytree(scenarios_dir(), bundled)
    return {"/opt/mock-oms/scenarios": str(bundled), "/scenarios": str(mine)}


@pytest.mark.parametrize(
    "invocation", [i for _, i in INVOCATIONS], ids=[name for name, _ in INVOCATIONS]
)
def test_a_documented_container_command_runs(
    invocation: Invocation, mounts: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def here(text: str) -> str:
        for inside, outside in sorted(mounts.items(), reverse=True):
            text = re.sub(rf"(?<![\w/]){re.escape(inside)}(?![\w-])", outside, text)
        return text

    served: list[tuple[Settings, Library | None]] = []

    def serve(settings: Settings, *, library: Library | None = None, **_: Any) -> None:
        served.append((settings, library))

    monkeypatch.setattr(mock_oms.serve.server, "serve", serve)
    env = {k: here(v) for k, v in invocation.env.items()}
    for name in [k for k in os.environ if k.startswith("MOCK_OMS_")]:
        monkeypatch.delenv(name)
    result = CliRunner().invoke(main, [here(a) for a in invocation.args], env=env)
    assert result.exit_code == 0, result.output
    if invocation.args[0] == "serve":
        ((settings, library),) = served
        assert settings.host == "0.0.0.0", "reachable from outside the container"
        assert settings.port == (invocation.port or PORT), "the published port"
        assert library is not None and len(library) > 0


def test_the_ci_recipes_reach_the_service_and_wait_for_its_health() -> None:
    github = recipe("github")["jobs"]["test"]
    assert github["services"]["oms"]["image"] == REGISTRY_IMAGE
    assert github["env"]["OMS_BASE_URL"] == f"http://127.0.0.1:{PORT}"
    runs = "\n".join(step.get("run", "") for step in github["steps"])
    assert f"$OMS_BASE_URL{HEALTH}" in runs and "$OMS_BASE_URL/_mock/scenarios" in runs

    gitlab = recipe("gitlab")["oms-client-tests"]
    (service,) = gitlab["services"]
    assert service["name"] == REGISTRY_IMAGE
    assert gitlab["variables"]["OMS_BASE_URL"] == f"http://{service['alias']}:{PORT}"
    script = "\n".join(gitlab["script"])
    assert f"$OMS_BASE_URL{HEALTH}" in script and "$OMS_BASE_URL/_mock/scenarios" in script

    compose = recipe("compose")["services"]
    assert compose["oms"]["image"] == LOCAL_IMAGE
    assert compose["app"]["environment"]["OMS_BASE_URL"] == f"http://oms:{PORT}"
    assert compose["app"]["depends_on"]["oms"]["condition"] == "service_healthy"
    assert any(v.split(":")[1] == "/scenarios" for v in compose["oms"]["volumes"])


def test_the_image_check_fails_when_it_cannot_check(tmp_path: Path) -> None:
    """`.ci/container` runs when asked (CI_CONTAINER_CHECK=1): without the tool that builds
    the image it must fail, not pass having checked nothing."""
    script = ROOT / ".ci" / "container"
    if not script.is_file():
        pytest.skip("no .ci/ next to the tests")
    done = subprocess.run(
        ["bash", str(script)],
        env={**os.environ, "CONTAINER_CHECK": str(tmp_path / "no-such-tool")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the image cannot be checked" in done.stderr
