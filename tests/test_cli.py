"""The CLI shell: every command has help, only the chosen command is imported, errors are one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spacecraft_data.cli import COMMANDS, main


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_has_help_that_exits_0(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: spacecraft-data {command}")


def test_top_level_help_lists_every_command_and_credits_the_space_devs(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out
    assert "The Space Devs" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: spacecraft-data" in capsys.readouterr().err


def test_running_a_command_imports_only_that_commands_module():
    code = (
        "import sys; from spacecraft_data.cli import main; main(['info', '--format', 'json']); "
        "print(sorted(m for m in sys.modules if m.startswith('spacecraft_data.cli.')), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stderr.strip().splitlines()[-1]
    assert "spacecraft_data.cli.info" in loaded
    for other in ("harvest", "serve", "export", "validate", "diff"):
        assert f"spacecraft_data.cli.{other}'" not in loaded


def test_library_errors_become_one_line_naming_the_command(tmp_path, capsys):
    assert main(["info", "--snapshot", str(tmp_path)]) == 2  # not a snapshot folder: a usage error
    err = capsys.readouterr().err
    assert err.startswith("spacecraft-data info: error: ") and str(tmp_path) in err
    assert "Traceback" not in err


# -- progress: the library logs, the command decides whether stderr shows it --------------------------------

PROGRESS_COMMANDS = ("harvest", "import-pages", "import-embedded", "export")


@pytest.mark.parametrize("command", PROGRESS_COMMANDS)
def test_commands_with_long_work_offer_progress_and_quiet(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "--progress" in out and "--quiet" in out


def test_progress_and_quiet_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "json", "--output", "-", "--progress", "--quiet"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.fixture
def logging_export(monkeypatch):
    """``export`` replaced by a run that logs one progress line, as the library's table writer does
    (a synthetic line; nothing is exported)."""
    import logging

    from spacecraft_data.cli import export
    from spacecraft_data.errors import ExitCode

    def run(args):
        logging.getLogger("spacecraft_data.tables").info("wrote spacecraft.csv")
        logging.getLogger("spacecraft_data.tables").debug("never shown: below INFO")
        return ExitCode.OK

    monkeypatch.setattr(export, "run", run)
    return ["export", "--format", "json", "--output", "-"]


@pytest.mark.parametrize(
    "flags, terminal, shown",
    [
        ([], False, False),  # a pipe, a CI log: quiet
        (["--progress"], False, True),
        ([], True, True),  # a terminal: progress
        (["--quiet"], True, False),
    ],
)
def test_progress_shows_on_a_terminal_or_with_progress_never_with_quiet(
    logging_export, monkeypatch, capsys, flags, terminal, shown
):
    import logging

    import spacecraft_data.cli as cli

    logger = logging.getLogger("spacecraft_data")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setattr(cli, "_is_terminal", lambda stream: terminal)
    assert main([*logging_export, *flags]) == 0
    assert capsys.readouterr().err == ("wrote spacecraft.csv\n" if shown else "")
    # main may run many times in one process: each run takes its handler and level off again.
    assert (logger.handlers, logger.level) == (handlers, level)


def test_the_progress_handler_is_taken_off_when_the_command_fails(monkeypatch, capsys):
    import logging

    from spacecraft_data.cli import export
    from spacecraft_data.errors import InputError

    def run(args):
        logging.getLogger("spacecraft_data.tables").info("wrote spacecraft.csv")
        raise InputError("out: synthetic failure")

    monkeypatch.setattr(export, "run", run)
    logger = logging.getLogger("spacecraft_data")
    handlers = list(logger.handlers)
    assert main(["export", "--format", "json", "--output", "-", "--progress"]) == 2
    assert capsys.readouterr().err == (
        "wrote spacecraft.csv\nspacecraft-data export: error: out: synthetic failure\n"
    )
    assert logger.handlers == handlers


def test_a_query_imports_no_logging():
    # logging is the commands' with long work (and serve's): a query's start-up does not pay for it.
    code = (
        "import sys; from spacecraft_data.cli import main; "
        "main(['query', '--limit', '1', '--format', 'json']); "
        "print('logging' in sys.modules, file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "False"


def test_every_command_gets_the_registry_main_resolved(monkeypatch):
    from spacecraft_data.cli import build_parser
    from spacecraft_data.endpoints import registry

    parser = build_parser()
    assert parser.parse_args(["info"]).registry is registry()
    seen = []
    import spacecraft_data.cli.info as info

    monkeypatch.setattr(info, "run", lambda args: seen.append(args.registry))
    assert main(["info"]) == 0
    assert seen == [registry()]
