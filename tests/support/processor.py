"""A real OTLP receiver on loopback, in a background thread, for tests."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from processor._batcher import BatchOptions
from processor._receiver import Receiver, ReceiverOptions
from processor.store import Store


@dataclass
class RunningProcessor:
    """A started receiver: its endpoint (``127.0.0.1:PORT``) and the receiver itself."""

    endpoint: str
    receiver: Receiver
    loop: asyncio.AbstractEventLoop

    def call(self, coroutine: Any) -> Any:
        """Run a coroutine on the receiver's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)


@contextlib.contextmanager
def running_processor(store: Store, **options: Any) -> Iterator[RunningProcessor]:
    """Start a receiver writing into ``store`` on a free loopback port; stop it after.

    ``options`` override ReceiverOptions fields (``token``, ``limits``, ...); batches
    flush after 50 ms by default so that tests need not wait.
    """
    options.setdefault("batch", BatchOptions(flush_interval_s=0.05))
    receiver_options = dataclasses.replace(ReceiverOptions(port=0), **options)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-processor", daemon=True)
    thread.start()
    with tempfile.TemporaryDirectory(prefix="sloscope-spool-") as spool:
        receiver = Receiver(store.reopen(), receiver_options, Path(spool))
        started: Future[None] = asyncio.run_coroutine_threadsafe(receiver.start(), loop)
        started.result(timeout=60)
        running = RunningProcessor(f"127.0.0.1:{receiver.port}", receiver, loop)
        try:
            yield running
        finally:
            running.call(receiver.shutdown(timeout_s=30))
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()
