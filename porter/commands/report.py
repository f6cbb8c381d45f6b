"""``porter report merge``: one report from the reports of ``--shard 1/N`` ... ``N/N``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from porter.commands.common import STDOUT, guarded, save, write_stdout
from porter.commands.conventions import PorterCommand, PorterGroup
from porter.engine.registry import all_rules
from porter.errors import ConfigError, InputError
from porter.outputs.encoding import dumps, to_bytes

app = typer.Typer(cls=PorterGroup, add_completion=False, no_args_is_help=True,
                  help="Work with porter's reports.")


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        raise InputError(f"not JSON: {getattr(exc, 'msg', exc)}", str(path), line,
                         column) from None
    return data


@app.command(cls=PorterCommand)
def merge(
    reports: Annotated[list[Path], typer.Argument(help="The shards' JSON reports or SARIF "
                                                  "logs (all of one kind).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the merged "
                      "report (- for stdout).", metavar="FILE")] = Path(STDOUT),
    debug: Annotated[bool, typer.Option("--debug", help="Show a traceback on internal "
                     "errors.")] = False,
) -> None:
    """Merge the reports of a run split with --shard K/N (JSON or SARIF) into the report one
    run over all the files would have written."""
    from porter.outputs.report_merge import MergeError, kind, merge_json, merge_sarif

    with guarded(debug):
        loaded = [(str(path), _load(path)) for path in reports]
        try:
            kinds = {name: kind(report) for name, report in loaded}
            if len(set(kinds.values())) > 1:
                raise MergeError("the reports mix JSON and SARIF")
            if set(kinds.values()) == {"sarif"}:
                merged = merge_sarif(loaded, [rule.code for _, rule in all_rules()])
            else:
                merged = merge_json(loaded)
        except MergeError as exc:
            raise ConfigError(str(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"a report is not one porter wrote with --shard: {exc!r}") \
                from None
        data = to_bytes(dumps(merged, indent=2) + "\n")
        if str(output) == STDOUT:
            write_stdout(data)
        else:
            save(output, data)
