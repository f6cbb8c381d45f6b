"""A converted document is freed as soon as its file is done, by reference counting alone.

A document, its nodes and its data are thousands of objects. Left on a reference cycle they
live until the garbage collector's next full pass, each pass costs time in proportion to
them, and memory grows between passes (one such cycle, through the pod specs a document's
state keeps, made the collector a sixth of a run's time)."""

from __future__ import annotations

import gc
from collections import Counter

import pytest
from conftest import FIXTURES
from yaml.nodes import Node

from porter.engine.pipeline import Pipeline
from porter.kube.workloads import PodSpec
from porter.yamledit.documents import Document
from porter.yamledit.parsing import RawDocument

_HEAVY = (Document, RawDocument, PodSpec, Node)


def _cyclic_garbage(convert) -> Counter[str]:
    """The types of what ``convert()`` left on reference cycles (only the heavy ones)."""
    gc.collect()
    flags = gc.get_debug()
    gc.disable()
    try:
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds is kept, to be looked at
        convert()
        gc.collect()
        # libyaml's marks (one class in the C module, another in the pure one) by name
        return Counter(type(o).__name__ for o in gc.garbage
                       if isinstance(o, _HEAVY) or type(o).__name__ == "Mark")
    finally:
        gc.garbage.clear()
        gc.set_debug(flags)
        gc.enable()


@pytest.mark.parametrize("case", sorted(p.parent.name for p in FIXTURES.glob("*/input.yaml")))
def test_a_converted_file_leaves_no_document_on_a_reference_cycle(case):
    text = (FIXTURES / case / "input.yaml").read_text(encoding="utf-8")
    pipeline = Pipeline()
    pipeline.convert_text(text, "warm-up.yaml")  # caches filled once are not garbage
    assert _cyclic_garbage(lambda: pipeline.convert_text(text, "input.yaml")) == Counter()


def test_the_check_sees_a_cycle_through_a_documents_state():
    """The check above can fail: a document kept in its own state is found."""
    text = (FIXTURES / "quickstart" / "input.yaml").read_text(encoding="utf-8")

    def cyclic() -> None:
        from porter.yamledit.parsing import compose

        document = Document("input.yaml", compose(text, "input.yaml")[0])
        document.state["self"] = document

    assert _cyclic_garbage(cyclic)["Document"] == 1
