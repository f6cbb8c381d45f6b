"""``porter images``: every distinct image of the manifests, what its registry says about its
platforms, and the verdict for the target Windows nodes."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from porter.commands.common import (
    EXIT_INPUT,
    EXIT_OK,
    build_config,
    err,
    guarded,
    with_image_flags,
)
from porter.commands.options import ConfigFile, Debug, ImageCache, InsecureRegistry, TargetWindows
from porter.outputs import images_table
from porter.running.images import image_rows
from porter.running.run import convert_paths


class ImagesFormat(StrEnum):
    text = "text"
    json = "json"


def images(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, charts, or - for "
                                                    "stdin.")],
    output_format: Annotated[ImagesFormat, typer.Option("--format", help="text or "
                             "json.")] = ImagesFormat.text,
    target_windows: TargetWindows = None,
    image_cache: ImageCache = None,
    insecure_registry: InsecureRegistry = None,
    config_file: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """List each distinct image: where it is used, the platforms its registry lists, and
    whether it runs on the target Windows nodes (always asks the registries)."""
    with guarded(debug):
        config = build_config(config_file, [], [], [], None, None, [], target_windows)
        config = with_image_flags(config, True, image_cache, insecure_registry)
        results = []
        status = EXIT_OK
        for result in convert_paths(paths, config):
            for error in result.errors:
                err(str(error))
                status = EXIT_INPUT
            for note in result.notes:
                err(note)
            results.append(result)
        rows = image_rows(results, config)
        resolver = config.image_resolver()
        if resolver is not None:
            resolver.save()
        render = images_table.render_json if output_format is ImagesFormat.json \
            else images_table.render_text
        sys.stdout.write(render(rows, config.target))
        sys.stdout.flush()
        raise typer.Exit(status)
