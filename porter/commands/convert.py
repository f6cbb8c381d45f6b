"""``porter convert``: convert manifests; YAML on stdout, or --output, --in-place, --diff."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from porter.charts.inputs import ChartInput
from porter.commands.chart_options import chart_options, write_overlay
from porter.commands.common import (
    EXIT_INPUT,
    STDOUT,
    Color,
    StreamedReports,
    Tally,
    build_config,
    check_output_dir,
    empty_directories,
    err,
    guarded,
    needs_texts,
    report_targets,
    run_info,
    save,
    say_empty,
    selected,
    terminal_width,
    use_color,
    with_image_flags,
    write_err,
    write_stdout,
)
from porter.commands.options import (
    ConfigFile,
    Debug,
    Disable,
    Drive,
    ExternalLinks,
    FailOnOption,
    Ignore,
    ImageCache,
    InsecureRegistry,
    Only,
    Quiet,
    ReportFormats,
    ResolveImages,
    SarifRoot,
    Select,
    TargetWindows,
    Toleration,
    TransformOption,
    Verbose,
)
from porter.commands.progress import progress_bar
from porter.engine.results import FileResult
from porter.errors import ConfigError, PorterError, WriteError
from porter.outputs import findings_list, runtime_class, stream, summary, unified_diff
from porter.outputs.encoding import to_bytes
from porter.running.inputs import InputFile, discover, external_target
from porter.running.run import convert_paths
from porter.running.writing import (
    BackupExists,
    ChangedMeanwhile,
    DurableBatch,
    RealPaths,
    keep_backup,
    safe_join,
    write_atomic,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from porter.running.shards import Shard
    from porter.running.spill import ResultLog


def _result_log() -> ResultLog:
    """Where finished results wait on disk for the end of the run."""
    from porter.running.spill import ResultLog  # pickling and temporary files: when needed

    return ResultLog()


def _patches(results: Sequence[FileResult]) -> str:
    from porter.outputs import json_patch  # for --patch only: not part of start-up

    return json_patch.render(results)


def _write_overlay(results: list[FileResult], directory: Path, quiet: bool) -> str:
    from porter.outputs import kustomize  # for this option only: not part of start-up

    overlay = kustomize.overlay(results, str(directory.resolve()), str(Path.cwd()),
                                str(directory))
    save(directory / kustomize.FILE_NAME, to_bytes(overlay.text))
    if not quiet:
        for note in overlay.notes:
            err(f"porter: overlay: {note}")
    patches = f"{overlay.patches} patch{'es' * (overlay.patches != 1)}"
    return f"overlay with {patches} in {directory / kustomize.FILE_NAME}"


class _Targets:
    """How one run writes: where, what it may rewrite, and which outputs it already wrote."""

    def __init__(self, output: Path | None, in_place: bool, backup: bool = False,
                 read_only: bool = False, external_links: bool = False,
                 batch: DurableBatch | None = None) -> None:
        self.output = output
        self.in_place = in_place
        self.backup = backup
        self.read_only = read_only
        self.external_links = external_links
        self.batch = batch
        """With a batch, files are staged and renamed into place at the batch's commit."""
        self.written: dict[str, str] = {}
        """Each --output file written (or staged) so far (its real path), and the input it
        came from."""
        self.real = RealPaths()


def _input_root(result: FileResult) -> Path:
    """The input root a file was found under: the directory named, or the named file's."""
    path = Path(result.path)
    for _ in Path(result.relative).parts:
        path = path.parent
    return path


def _file_mode(path: Path) -> int | None:
    """The permission bits of a regular file, for its conversion (None: not one, or gone)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else None


def _write_one(result: FileResult, targets: _Targets) -> bool:
    """Write one file's conversion to --output or in place (with a batch: stage it, the
    rename comes at the batch's commit); True when a file was written or staged.
    What cannot be written becomes an error of that file; the other files go on."""
    if result.source is None:
        return False
    source = Path(result.path)
    expect = None
    if targets.in_place:
        if not result.changed or result.errors:
            return False
        refusal = _in_place_refusal(source, result, targets)
        if refusal:
            result.errors.append(PorterError(refusal, result.path))
            return False
        target = source
        earlier = targets.written.get(targets.real(source))
        if earlier is not None and earlier != result.path:
            # Two names of one file (a link inside the tree): both read the same bytes
            # before either was renamed over, so the first rewrite is this one's too.
            result.notes.append(f"{result.path}: note: the same file as {earlier} (through a "
                                "link); rewritten once")
            return False
        expect = result.original_bytes()
    elif targets.output is None:
        return False
    else:
        try:
            target = safe_join(targets.output, result.relative, targets.real)
        except ValueError as exc:
            result.errors.append(PorterError(str(exc), result.path))
            return False
        refusal = _output_refusal(source, target, result, targets)
        if refusal:
            result.errors.append(PorterError(refusal, result.path))
            return False
    try:
        mode = _file_mode(source)
        before = (lambda: keep_backup(target)) if targets.in_place and targets.backup else None
        if targets.batch is not None:
            targets.batch.add(target, result.converted_bytes(), mode, item=(result, target),
                              before=before, expect=expect)
        else:
            if before is not None:
                before()
            write_atomic(target, result.converted_bytes(), mode, expect=expect)
    except (BackupExists, ChangedMeanwhile) as exc:
        result.errors.append(PorterError(str(exc), result.path))
        return False
    except OSError as exc:
        result.errors.append(WriteError(f"cannot write {target}: {exc.strerror or exc}",
                                        result.path))
        return False
    targets.written[targets.real(target)] = result.path
    return True


def _shard(text: str | None) -> Shard | None:
    if text is None:
        return None
    from porter.running.shards import Shard  # hashing: for --shard

    return Shard.parse(text)


def _display(item: object) -> str:
    """The path of what discovery found (a file, a chart, or a problem with one)."""
    return item.display if isinstance(item, InputFile | ChartInput) else \
        str(getattr(item, "file", "") or "")


def _in_place_refusal(source: Path, result: FileResult, targets: _Targets) -> str | None:
    if not source.is_file():
        return "not a regular file: cannot rewrite it in place"
    outside = None if targets.external_links else external_target(source, _input_root(result))
    if outside is not None:
        return (f"symbolic link to {outside}, outside the input tree; not rewritten (use "
                "--external-links to rewrite files through such links)")
    mode = stat.S_IMODE(source.stat().st_mode)
    if not mode & 0o222 and not targets.read_only:
        return (f"read-only file (mode {mode:04o}); not rewritten (--rewrite-read-only "
                "rewrites it)")
    return None


def _output_refusal(source: Path, target: Path, result: FileResult,
                    targets: _Targets) -> str | None:
    # Staged outputs are not at their target until the batch commits: ask the run first.
    earlier = targets.written.get(targets.real(target))
    if earlier is not None and earlier != result.path:
        return (f"--output {target} was already written from {earlier} (both inputs have "
                f"the path {result.relative} below their root); not written")
    try:
        existing = target.stat()
    except OSError:
        return None  # a new file (or one the write itself will report)
    if not stat.S_ISREG(existing.st_mode):
        # Opening a pipe would wait for a reader forever, a device would take the bytes.
        return f"--output target {target} exists and is not a regular file; not written"
    if source.is_file() and target.samefile(source):
        return (f"--output would overwrite this input file with its conversion ({target}); "
                "use --in-place to rewrite files where they are")
    return None


def _show(result: FileResult, diff: bool, colored: bool, yaml: _YamlOut | None) -> None:
    """The file's diff or YAML on stdout, when those are the output."""
    if diff:
        text = unified_diff.file_diff(result)
        write_stdout(to_bytes(unified_diff.colorize(text) if colored else text))
    elif yaml is not None:
        yaml.add(result)


class _YamlOut:
    """The YAML on stdout, streamed: one file's exact bytes, or each file after a header."""

    def __init__(self) -> None:
        self.first: FileResult | None = None
        self.count = 0

    def add(self, result: FileResult) -> None:
        if result.source is None and result.unread is None:
            return
        self.count += 1
        if self.count == 1:
            self.first = result
            return
        if self.count == 2 and self.first is not None:
            self._piece(self.first)
            self.first.release_text()
        self._piece(result)

    @staticmethod
    def _piece(result: FileResult) -> None:
        if result.source is not None:  # undecodable stdin is given back only when alone
            write_stdout(stream.piece(result))

    def finish(self, manifest: str | None) -> None:
        data = b""
        if self.count == 1 and self.first:
            first = self.first
            data = first.converted_bytes() if first.unread is None else first.unread
        if manifest is not None:
            data += (b"" if not data or data.endswith(b"\n") else b"\n") + b"---\n" + \
                to_bytes(manifest)
        write_stdout(data)
        sys.stdout.flush()


def convert(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, or - for stdin.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write each file under "
                      "DIR at its path relative to its input root.", metavar="DIR")] = None,
    in_place: Annotated[bool, typer.Option("--in-place", help="Rewrite changed files "
                        "atomically; unchanged files are not touched.")] = False,
    backup: Annotated[bool, typer.Option("--backup", help="With --in-place: keep each "
                      "rewritten file's original as FILE.orig (an existing, different "
                      "backup is never overwritten: that file is then not "
                      "rewritten).")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff instead of "
                    "YAML.")] = False,
    color: Annotated[Color, typer.Option("--color", help="Colour the diff: auto (on a "
                     "terminal, unless NO_COLOR is set), always, never.")] = Color.auto,
    patch: Annotated[Path | None, typer.Option("--patch", help="Write the changes as RFC 6902 "
                     "JSON Patches per resource to FILE (- for stdout, instead of YAML).",
                     metavar="FILE")] = None,
    kustomize_dir: Annotated[Path | None, typer.Option("--kustomize", help="Write a kustomize "
                             "overlay (kustomization.yaml: the original files as resources, "
                             "the changes as patches) to DIR.", metavar="DIR")] = None,
    report: Annotated[list[Path] | None, typer.Option("--report", help="Write the findings to "
                      "FILE, - for stdout (repeatable).", metavar="FILE")] = None,
    report_format: ReportFormats = None,
    sarif_root: SarifRoot = None,
    select: Select = None,
    ignore: Ignore = None,
    fail_on: FailOnOption = None,
    config_file: ConfigFile = None,
    disable: Disable = None,
    only: Only = None,
    option: TransformOption = None,
    toleration: Toleration = None,
    drive: Drive = None,
    target_windows: TargetWindows = None,
    values: Annotated[list[Path] | None, typer.Option("--values", "-f", help="Helm charts: a "
                      "values file (repeatable; later files win).", metavar="FILE")] = None,
    set_values: Annotated[list[str] | None, typer.Option("--set", help="Helm charts: set "
                          "values, KEY=VALUE[,KEY=VALUE] (repeatable).")] = None,
    set_string: Annotated[list[str] | None, typer.Option("--set-string", help="Helm charts: "
                          "set string values, KEY=VALUE (repeatable).")] = None,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help="Helm charts: the "
                         "release namespace.")] = None,
    release_name: Annotated[str, typer.Option("--release-name", help="Helm charts: the "
                            "release name.")] = "release-name",
    kube_version: Annotated[str | None, typer.Option("--kube-version", help="Helm charts: the "
                            "Kubernetes version templates see (Capabilities).")] = None,
    values_overlay: Annotated[Path | None, typer.Option("--values-overlay", help="Helm charts: "
                              "write a values overlay that makes the chart render for Windows, "
                              "with what only a template change can fix.",
                              metavar="FILE")] = None,
    resolve_images: ResolveImages = False,
    image_cache: ImageCache = None,
    insecure_registry: InsecureRegistry = None,
    rewrite_read_only: Annotated[bool, typer.Option("--rewrite-read-only", help="With "
                                 "--in-place: rewrite read-only files too (refused by "
                                 "default).")] = False,
    external_links: ExternalLinks = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes "
                    "(default: all cores when the input is large enough to pay for "
                    "them); output and reports are the same for any number.")] = None,
    shard: Annotated[str | None, typer.Option("--shard", help="Convert only shard K of N "
                     "(like 2/4): a stable partition of the input files by path, for CI "
                     "matrices; merge the reports with 'porter report merge'.",
                     metavar="K/N")] = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> None:
    """Convert manifests for Windows nodes: YAML on stdout, or --output, --in-place, --diff."""
    with guarded(debug):
        if in_place and output is not None:
            raise ConfigError("--in-place and --output exclude each other")
        if in_place and "-" in paths:
            raise ConfigError("--in-place cannot rewrite standard input")
        if backup and not in_place:
            raise ConfigError("--backup goes with --in-place")
        check_output_dir(output)
        if rewrite_read_only and not in_place:
            raise ConfigError("--rewrite-read-only goes with --in-place")
        charts = chart_options(paths, values or [], set_values or [], set_string or [],
                               namespace, release_name, kube_version, values_overlay, in_place)
        config = build_config(config_file, disable or [], only or [], option or [], fail_on,
                              toleration, drive or [], target_windows, select, ignore)
        config = with_image_flags(config, resolve_images, image_cache, insecure_registry)
        targets = report_targets(report or [], report_format or [])
        part = _shard(shard)
        patch_out = patch is not None and str(patch) == STDOUT
        yaml_out = output is None and not in_place and not diff and patch is None \
            and kustomize_dir is None
        if sum((diff, patch_out, yaml_out, any(str(p) == STDOUT for p, _ in targets))) > 1:
            raise ConfigError("only one output can go to standard output: choose one of "
                              "YAML, --diff, --patch - and --report -")
        keep_texts = patch is not None or kustomize_dir is not None or values_overlay is not None \
            or needs_texts(targets)
        reports = StreamedReports(targets, (part.index, part.count) if part else None)
        # Without outputs that need the texts, finished results wait on disk for the summary
        # and the reports: memory stays flat however many files there are. A quiet run that
        # writes no report at its end keeps none: the tally is all its end needs.
        kept = keep_texts or not quiet or reports.read_at_finish
        results: list[FileResult] | ResultLog = [] if keep_texts or not kept else _result_log()
        tally = Tally(paths, config)
        yaml = _YamlOut() if yaml_out else None
        colored = diff and use_color(color, sys.stdout)
        written = 0
        batch = DurableBatch() if output is not None or in_place else None
        writing = _Targets(output, in_place, backup, rewrite_read_only, external_links, batch)
        try:
            with progress_bar(quiet or not (output is not None or in_place or
                                            not sys.stdout.isatty())) as advance:

                def finish(result: FileResult) -> None:
                    advance.messages(result, quiet)
                    tally.add(result)
                    if kept:
                        results.append(result)
                    reports.add(result)
                    advance()

                def commit(last: bool) -> None:
                    nonlocal written
                    assert batch is not None
                    for (result, target), error in batch.commit(last):
                        if isinstance(error, (BackupExists, ChangedMeanwhile)):
                            result.errors.append(PorterError(str(error), result.path))
                        elif isinstance(error, OSError):
                            result.errors.append(WriteError(
                                f"cannot write {target}: {error.strerror or error}",
                                result.path))
                        finish(result)
                    written = batch.installed

                # Writing files with no output that needs the texts: the results come
                # holding the bytes to write, not the texts.
                lean = (output is not None or in_place) and not diff and not keep_texts
                converted = convert_paths(paths, config, exclude=output, charts=charts,
                                          jobs=jobs, on_total=advance.total, shard=part,
                                          external_links=external_links, lean=lean)
                try:
                    for result in selected(converted, config):
                        staged = _write_one(result, writing)
                        _show(result, diff, colored, yaml)
                        if not keep_texts and (yaml is None or yaml.count > 1 or
                                               result.source is None):
                            result.release_text()
                        if batch is None:
                            written += staged
                            finish(result)
                            continue
                        if not staged:
                            batch.add(None, item=(result, None))
                        if batch.full:
                            commit(last=False)
                    if batch is not None:
                        commit(last=True)
                finally:
                    if batch is not None:
                        batch.abandon()  # interrupted: what is not renamed yet is not half-done
        except KeyboardInterrupt:
            written = batch.installed if batch is not None else written
            done = ("rewritten in place" if in_place else f"written to {output}"
                    if output is not None else "")
            err(f"porter: interrupted after {tally.count} file"
                f"{'s' * (tally.count != 1)}" + (f"; {written} {done}, each whole (the "
                "others were left as they were)" if done else ""))
            raise typer.Exit(130) from None
        manifest = runtime_class.render(config)
        if yaml is not None:
            yaml.finish(manifest)
        elif patch_out:
            write_stdout(to_bytes(_patches(results)))
        sys.stdout.flush()
        written = (f"{written} rewritten in place" if in_place else
                   f"{written} written to {output}" if output is not None else None)
        if manifest is not None and (output is not None or in_place):
            name = config.options_for("os-scheduling").runtime_class
            target = (output or Path.cwd()) / f"runtimeclass-{name}.yaml"
            save(target, to_bytes(manifest))
            written = f"{written}; RuntimeClass written to {target}"
        if patch is not None and not patch_out:
            save(patch, to_bytes(_patches(results)))
        if kustomize_dir is not None:
            overlay = _write_overlay(results, kustomize_dir, quiet)
            written = f"{written}; {overlay}" if written else overlay
        reports.finish(results, run_info("convert", paths, config), sarif_root)
        if values_overlay is not None:
            note = write_overlay(results, values_overlay, quiet)
            written = f"{written}; {note}" if written and note else written or note
        # A shard may hold none of a directory's files: the directory is empty only if no
        # shard has any.
        empty = say_empty(tally.empty() if part is None else empty_directories(
            paths, (_display(i) for i in discover(paths, output, external_links))))
        if not quiet:
            files = [str(path) for path, _ in targets if str(path) != STDOUT]
            write_err(findings_list.render(results, verbose, reports=files))
            err(summary.render(results, written, width=terminal_width(), diff=diff))
        raise typer.Exit(max(tally.status, EXIT_INPUT) if empty else tally.status)
