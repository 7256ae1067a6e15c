"""Run the per-shard map phase on Ray Data, in input order, with bounded driver memory.

This module knows nothing about dataprep's rules: it maps an opaque, picklable item
(a shard) to opaque ``bytes`` (a pickled payload the caller made) with a function that
each Ray worker builds once from a picklable factory.  The ordered reduce stays on the
driver, so results come back in the order of the items.

Ray is an optional extra and is imported only inside :func:`ordered_map`: importing
this module must stay cheap because the pre-commit path never uses Ray.

Design choices, and why:

* Items travel as pickled bytes in a plain binary column, not as Python objects.
  Ray Data would otherwise try to turn each item into Arrow columns, which works or
  fails depending on the item's type; bytes always make one binary column.
* The worker function is a Ray Data *callable class* on an actor pool, so the
  expensive ``factory()`` (compiled patterns, loaded config) runs once per actor.
* A failing item is reported as data (an ``error`` column), not raised on the worker:
  a raised exception would make Ray retry it and print its own multi-line traceback;
  the driver instead raises one :class:`WorkerError` naming the item.
* ``batch_format="numpy"``: measured against ``"pyarrow"`` with 3 MB payloads, both
  round-trip bytes intact and took the same time, and numpy needs no pyarrow code
  in the worker.  ``batch_size=1`` because one item is a whole shard: larger batches
  would only make workers wait for each other.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import socket
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from dataprep.errors import DataprepError, InputError

T = TypeVar("T")

#: how to install the extra; named in the error when Ray is missing
INSTALL_HINT = "pip install 'dataprep-lint[ray]'"

#: how long to wait for a cluster's address to accept a TCP connection
_PROBE_SECONDS = 5.0

#: terminal colour codes, which Ray puts in some of its error messages
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: a line that names an exception and its message, as tracebacks end
_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception): \S")

#: longest item repr quoted in a one-line error
_REPR_CHARS = 120


class WorkerError(DataprepError):
    """The per-item function failed on a Ray worker.

    The message is one line naming the item; ``index`` is the item's position and
    ``details`` the worker's formatted traceback, for a caller that wants to show it.
    """

    def __init__(self, message: str, index: int, details: str = "") -> None:
        super().__init__(message)
        self.index = index
        self.details = details


def _one_line(exc: BaseException) -> str:
    text = _ANSI.sub("", str(exc)).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _root_cause(exc: BaseException) -> str:
    """The innermost ``SomeError: message`` line of a Ray error, else its first line.

    Ray wraps a worker's failure (say ``ModuleNotFoundError`` when dataprep is not
    installed on a node) in layers whose first line only says that an actor died.
    """
    lines = [line.strip() for line in _ANSI.sub("", str(exc)).splitlines()]
    causes = [line for line in lines if _ERROR_LINE.match(line)]
    line = causes[-1] if causes else _one_line(exc)
    if line.startswith("ModuleNotFoundError"):
        line += " (dataprep and its dependencies must be installed on every Ray node)"
    return line


def _short_repr(item: Any) -> str:
    text = " ".join(repr(item).split())
    return text if len(text) <= _REPR_CHARS else text[: _REPR_CHARS - 3] + "..."


class _Mapper:
    """Ray Data callable class: one instance per actor, so ``factory()`` runs once there.

    Each output row carries the item's index (checked on the driver against the
    expected order), the payload, and an error line ("" when the item succeeded).
    """

    def __init__(self, factory_blob: bytes) -> None:
        self._fn: Callable[[Any], bytes] | None = None
        self._init_error = ""
        self._init_details = ""
        try:
            # unpickled here, not by Ray, so that a factory whose module the worker
            # cannot import (dataprep missing on a cluster node) is a one-line error too
            self._fn = pickle.loads(factory_blob)()
        except Exception as exc:  # noqa: BLE001 - reported per item as one line
            self._init_error = f"building the worker function failed: {_one_line(exc)}"
            self._init_details = traceback.format_exc()

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        outs: list[bytes] = []
        errors: list[str] = []
        details: list[str] = []
        for index, blob in zip(batch["index"], batch["item"]):
            out, error, detail = b"", "", ""
            try:
                item = pickle.loads(blob)
            except Exception as exc:  # noqa: BLE001 - reported on the driver
                error = f"cannot unpickle the item: {_one_line(exc)}"
                detail = traceback.format_exc()
            else:
                if self._fn is None:
                    error, detail = self._init_error, self._init_details
                else:
                    try:
                        result = self._fn(item)
                        if not isinstance(result, (bytes, bytearray, memoryview)):
                            raise TypeError(
                                f"the worker function returned {type(result).__name__}, "
                                "not bytes"
                            )
                        out = bytes(result)
                    except Exception as exc:  # noqa: BLE001 - reported on the driver
                        error = f"{_short_repr(item)}: {_one_line(exc)}"
                        detail = traceback.format_exc()
            outs.append(out)
            errors.append(error)
            details.append(detail)
        return {
            "index": np.asarray(batch["index"], dtype=np.int64),
            "out": _object_array(outs),
            "error": _object_array(errors),
            "details": _object_array(details),
        }


def _object_array(values: list[Any]) -> Any:
    """A 1-d object array; ``np.array(list_of_bytes)`` would pad them to one fixed width."""
    import numpy as np

    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # its own dependencies (pandas, pyarrow) may be missing
    except ImportError:
        raise InputError(f"--engine ray needs Ray: {INSTALL_HINT}") from None
    return ray


def _connect(ray: Any, address: str | None, num_cpus: int | None) -> bool:
    """Make sure Ray is initialised; return True when this call did it (and must undo it)."""
    if ray.is_initialized():
        return False
    quiet: dict[str, Any] = {
        "log_to_driver": False,
        "logging_level": logging.ERROR,
        "include_dashboard": False,
    }
    address = address or os.environ.get("RAY_ADDRESS") or None
    try:
        if address:
            _probe(address)
            ray.init(address=address, **quiet)
        else:
            # "local" starts a new instance: without it, ray.init joins any cluster that
            # ``ray start`` left on this machine (and then refuses ``num_cpus``)
            ray.init(address="local", num_cpus=num_cpus, **quiet)
    except DataprepError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to start is one line
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise DataprepError(f"cannot start or reach {where}: {_one_line(exc)}") from None
    return True


def _probe(address: str) -> None:
    """Fail fast when a ``host:port`` address does not accept connections.

    ``ray.init`` retries an unreachable cluster for minutes while printing a warning
    line every few seconds; a plain TCP connect answers in at most a few seconds.
    Other address forms (``auto``, ``local``, ``ray://``) are left to Ray.
    """
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or "://" in address:
        return
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=_PROBE_SECONDS):
            pass
    except OSError as exc:
        raise DataprepError(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}"
        ) from None


def _pool_size(ray: Any, num_cpus: int | None, n_items: int) -> int:
    """One actor per CPU of the cluster, or per requested CPU, and never more than items."""
    cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
    if num_cpus:
        cpus = min(cpus, num_cpus)
    return max(1, min(cpus, n_items))


class _QuietRayData:
    """Mute Ray Data's console logging (not its log files) while a run is active.

    Ray Data logs "Starting execution of Dataset ..." at INFO, and a failure as a
    multi-line stack trace at ERROR, to stderr through its own ``ray.data`` logger,
    which does not propagate; the linter's stderr must carry only its own lines.
    """

    def __init__(self) -> None:
        self._saved: list[tuple[logging.Handler, int]] = []

    def __enter__(self) -> _QuietRayData:
        for handler in logging.getLogger("ray.data").handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler
            ):
                self._saved.append((handler, handler.level))
                # even its errors: each failure is re-raised here as one line
                handler.setLevel(logging.CRITICAL + 1)
        return self

    def __exit__(self, *_: object) -> None:
        for handler, level in self._saved:
            handler.setLevel(level)
        self._saved.clear()


def ordered_map(
    items: Sequence[T],
    factory: Callable[[], Callable[[T], bytes]],
    *,
    address: str | None = None,
    num_cpus: int | None = None,
) -> Iterator[bytes]:
    """Yield ``factory()(item)`` for every item, in the order of items, computed on Ray.

    ``factory`` must be picklable (a module-level function or a ``functools.partial``
    of one); workers import it, so on a remote cluster dataprep must be installed there.

    Cluster: ``address`` (else ``RAY_ADDRESS``) connects to a running cluster; without
    either, a local instance with ``num_cpus`` CPUs (None: all) is started.  A Ray
    already initialised in this process is reused and left running; one this call
    initialised is shut down when the iteration ends, is closed, or fails.  A consumer
    that may stop early (its own exception, ``break``) must close the iterator, e.g.
    ``with contextlib.closing(ordered_map(...)) as payloads:``; otherwise cleanup waits
    for the garbage collector, which may run after Ray's own exit hook, and then Ray
    Data's executor thread prints a traceback or starts a new Ray at interpreter exit.

    Raises :class:`~dataprep.errors.InputError` at call time when Ray is not installed,
    :class:`~dataprep.errors.DataprepError` when the cluster cannot be reached, and
    :class:`WorkerError` (one line naming the item) when the function fails on an item.
    """
    ray = _import_ray()
    return _run(ray, list(items), factory, address, num_cpus)


def _run(
    ray: Any,
    items: list[Any],
    factory: Callable[[], Callable[[Any], bytes]],
    address: str | None,
    num_cpus: int | None,
) -> Iterator[bytes]:
    if not items:
        return
    started = _connect(ray, address, num_cpus)
    try:
        with _QuietRayData():
            yield from _stream(ray, items, factory, num_cpus)
    finally:
        if started:
            ray.shutdown()


def _map_batches(ds: Any, factory_blob: bytes, pool_size: int, strategy: Any) -> Any:
    """``ds.map_batches`` with our worker class on an actor pool of ``pool_size``."""
    kwargs: dict[str, Any] = {
        "fn_constructor_args": (factory_blob,),
        "batch_size": 1,
        "batch_format": "numpy",
        "compute": strategy(size=pool_size),
        "num_cpus": 1,
    }
    # Ray Data's default (restart actors and retry their tasks forever) would loop on an
    # item that kills its worker (segfault, OOM kill), and makes the driver's core worker
    # print an error line per actor on stderr; a crash should fail the run with one line.
    # ``max_restarts`` can only be passed as a deprecated extra remote argument (Ray
    # 2.60); should a later Ray drop those, fall back to its defaults.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ds.map_batches(_Mapper, max_restarts=0, **kwargs)
    except TypeError:
        return ds.map_batches(_Mapper, **kwargs)


def _stream(
    ray: Any,
    items: list[Any],
    factory: Callable[[], Callable[[Any], bytes]],
    num_cpus: int | None,
) -> Iterator[bytes]:
    from ray import cloudpickle
    from ray.data import ActorPoolStrategy, DataContext

    # cloudpickle, as Ray itself uses: it pickles importable objects by reference, and
    # its output is read back with plain ``pickle.loads``
    factory_blob = cloudpickle.dumps(factory)
    rows = [{"index": i, "item": cloudpickle.dumps(item)} for i, item in enumerate(items)]
    # A Dataset seals a deep copy of the current DataContext when it is created, so the
    # settings are needed only while building it; restoring them at once keeps them
    # from leaking into other Ray Data users of this process while we are suspended.
    with warnings.catch_warnings():
        # creating the default context sets deprecated settings, which warns about each
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = DataContext.get_current()
    saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars)
    ctx.execution_options.preserve_order = True
    ctx.enable_progress_bars = False
    try:
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        pool_size = _pool_size(ray, num_cpus, len(rows))
        ds = _map_batches(ds, factory_blob, pool_size, ActorPoolStrategy)
    finally:
        ctx.execution_options.preserve_order, ctx.enable_progress_bars = saved
    del rows

    # Ray Data's streaming executor runs in a thread until its iterator is closed; left
    # to the garbage collector (an exception's traceback keeps it alive), it outlives
    # our ``ray.shutdown()`` and starts a new Ray from its thread.  So: close it here.
    batches = iter(ds.iter_batches(batch_size=None, batch_format="numpy"))
    expected = 0
    try:
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except Exception as exc:  # a worker died, the cluster went away, ...
                cause = _root_cause(exc)
                raise DataprepError(f"the Ray run failed at item {expected}: {cause}") from exc
            for index, out, error, details in zip(
                batch["index"], batch["out"], batch["error"], batch["details"]
            ):
                index = int(index)
                if index != expected:
                    raise DataprepError(
                        f"Ray returned item {index} where item {expected} was due; "
                        "results out of order"
                    )
                if error:
                    raise WorkerError(
                        f"item {index} failed on a Ray worker: {error}", index, str(details)
                    )
                yield bytes(out)
                expected += 1
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    if expected != len(items):
        raise DataprepError(f"Ray returned {expected} results for {len(items)} items")
