"""The run's images, found before the conversion so that each is resolved once, concurrently.

The collector reads the container lists of workloads (and ``kind: List`` items) with the C
parser, without building the documents: a file it cannot read is skipped here (the
conversion reports it), and an image it misses is still resolved, later, when the
``images`` transform asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from porter.engine.config import Config
from porter.engine.results import FileResult
from porter.images.facts import ImageFacts
from porter.kube.workloads import CONTAINER_LISTS
from porter.transforms.images import Verdict, judge, mapped_image
from porter.yamledit.textfile import decode

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ImageUse:
    """One ``image:`` of one container: where it is, as written and as it will run."""

    file: str
    line: int
    container: str
    image: str
    """As written."""
    runs: str
    """After the option ``images.map`` (what the node will pull)."""


def _entries(node: MappingNode) -> Iterator[tuple[str, Node]]:
    for key, value in node.value:
        if isinstance(key, ScalarNode):
            yield key.value, value


def _walk(node: Node, depth: int = 0) -> Iterator[tuple[ScalarNode, str]]:
    """(image node, container name) of every container list anywhere in ``node``."""
    if depth > 64:
        return
    if isinstance(node, MappingNode):
        for key, value in _entries(node):
            if key in CONTAINER_LISTS and isinstance(value, SequenceNode):
                for item in value.value:
                    if isinstance(item, MappingNode):
                        fields = dict(_entries(item))
                        image, name = fields.get("image"), fields.get("name")
                        if isinstance(image, ScalarNode) and image.value:
                            yield image, name.value if isinstance(name, ScalarNode) else ""
            else:
                yield from _walk(value, depth + 1)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item, depth + 1)


def image_uses(text: str, name: str, config: Config) -> list[ImageUse]:
    """Every container image in ``text`` (empty when it is not YAML porter can read)."""
    if "image" not in text:
        return []
    options = config.options_for("images")
    uses = []
    try:
        for document in yaml.compose_all(text, Loader=_Loader):
            if document is None:
                continue
            for node, container in _walk(document):
                image = str(node.value)
                mapped = mapped_image(options, image) if "images" not in config.disable else None
                uses.append(ImageUse(name, node.start_mark.line + 1, container, image,
                                     mapped or image))
    except (yaml.YAMLError, RecursionError, ValueError):
        return uses
    return uses


def images_in(data: bytes, name: str, config: Config) -> list[ImageUse]:
    try:
        text = decode(data, name).text
    except Exception:  # undecodable: the conversion reports it
        return []
    return image_uses(text, name, config)


def prefetch(config: Config, uses: Iterable[ImageUse]) -> None:
    """Resolve the distinct images ``uses`` will run, concurrently; nothing when off."""
    resolver = config.image_resolver()
    if resolver is not None:
        resolver.prefetch(use.runs for use in uses)


def save(config: Config) -> None:
    resolver = config.image_resolver()
    if resolver is not None:
        resolver.save()


@dataclass
class ImageRow:
    """One distinct image of a run (as it will run): where it is used, what the registry
    says, and the verdict for the target (``porter images``)."""

    image: str
    uses: list[ImageUse]
    facts: ImageFacts | None
    verdicts: list[Verdict]


def image_rows(results: Iterable[FileResult], config: Config) -> list[ImageRow]:
    """The distinct images of ``results`` (their original text), judged as the ``images``
    transform judges them, in order of first use."""
    options = config.options_for("images")
    rows: dict[str, ImageRow] = {}
    for result in results:
        if result.source is None or not result.original:
            continue
        for use in image_uses(result.original, result.path, config):
            row = rows.get(use.runs)
            if row is None:
                facts = config.image_facts(use.runs)
                row = rows[use.runs] = ImageRow(use.runs, [], facts,
                                                judge(use.runs, config.target, options, facts))
            row.uses.append(use)
    return list(rows.values())
