"""Joining concurrent requests into one model call.

A scikit-learn model spends most of a one-row prediction on fixed costs (building a frame, walking every tree
once), so sixty-four requests answered in one call cost little more than one. Requests wait in a queue while the
model runs; the next call takes everything that queued up meanwhile. An idle server adds no delay, a busy one
predicts in batches, and the event loop never blocks: the model runs in a worker thread.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .prediction import Prediction

logger = logging.getLogger(__name__)

Rows = list[dict[str, Any]]
Results = list[Prediction]


@dataclass
class _Pending:
    rows: Rows
    future: asyncio.Future[Results]


class MicroBatcher:
    """Queue `predict` calls from many requests and run them through `predict_rows` together."""

    def __init__(self, predict_rows: Callable[[Rows], Results], max_rows: int) -> None:
        self._predict_rows = predict_rows
        self._max_rows = max_rows
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()

    async def predict(self, rows: Rows) -> Results:
        future: asyncio.Future[Results] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(rows, future))
        return await future

    async def run(self) -> None:
        """Serve the queue until cancelled; started once per server process."""
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0].rows)
            while size < self._max_rows and not self._queue.empty():
                batch.append(self._queue.get_nowait())
                size += len(batch[-1].rows)
            await self._run_batch(batch)

    async def _run_batch(self, batch: list[_Pending]) -> None:
        rows = [row for pending in batch for row in pending.rows]
        try:
            results = await asyncio.to_thread(self._predict_rows, rows)
        except Exception as error:  # the requests that asked get the error; the queue keeps going
            logger.exception("prediction failed for a batch of %d rows", len(rows))
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(error)
            return
        start = 0
        for pending in batch:
            end = start + len(pending.rows)
            if not pending.future.done():  # a client that went away has a cancelled future
                pending.future.set_result(results[start:end])
            start = end
