from click.testing import CliRunner

from qms import __version__
from qms.cli import main


def test_version_and_help_exit_zero():
    runner = CliRunner()
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
    assert runner.invoke(main, ["--help"]).exit_code == 0


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
