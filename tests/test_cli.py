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
