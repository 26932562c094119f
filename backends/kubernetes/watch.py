"""Following Kubernetes lists as the API concepts document asks.

List, watch from the list's resourceVersion with `allowWatchBookmarks`, move the resourceVersion
on with every event and bookmark, relist when the server says the version expired (HTTP 410, or
an in-stream ERROR event whose Status has code 410 or reason Expired/Gone), and after a dropped
stream resume from the last version with exponential backoff. Only repeated failures reach the
caller, as `Unreachable`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backends.clock import Clock
from backends.errors import Unreachable
from backends.kubernetes.client import Expired, KubeApi, KubeOptions, Obj, error_for


@dataclass
class WatchEvent:
    """`SYNC` carries the full list after a (re)list; the others carry one object."""

    type: str
    objects: list[Obj]


async def list_and_watch(
    api: KubeApi, path: str, params: Mapping[str, str], *, clock: Clock, options: KubeOptions
) -> AsyncIterator[WatchEvent]:
    while True:
        items, version = await api.list(path, params)
        yield WatchEvent("SYNC", items)
        failures = 0
        while True:
            query = {**params, "watch": "true", "allowWatchBookmarks": "true"}
            if version:
                query["resourceVersion"] = version
            try:
                async for event in api.stream(path, query):
                    failures = 0
                    kind, obj = event.get("type"), event["object"]
                    if kind == "ERROR":
                        raise error_for(int(obj.get("code") or 500), obj, f"watch {path}")
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if kind in ("ADDED", "MODIFIED", "DELETED"):
                        yield WatchEvent(kind, [obj])
            except Expired:
                break
            except Unreachable:
                failures += 1
                if failures >= options.max_failures:
                    raise
                await clock.sleep(options.delay(failures))
            else:
                failures = 0


def object_key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace') or ''}/{meta.get('name') or ''}"


@dataclass
class Source:
    """One list+watch a snapshot is built from, with the objects it currently holds."""

    path: str
    params: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Obj] = field(default_factory=dict)
    synced: bool = False

    def apply(self, event: WatchEvent) -> None:
        if event.type == "SYNC":
            self.objects = {object_key(obj): obj for obj in event.objects}
            self.synced = True
        elif event.type == "DELETED":
            for obj in event.objects:
                self.objects.pop(object_key(obj), None)
        else:
            for obj in event.objects:
                self.objects[object_key(obj)] = obj

    def items(self) -> list[Obj]:
        return list(self.objects.values())


async def watch_sources(
    api: KubeApi, sources: Iterable[Source], *, clock: Clock, options: KubeOptions
) -> AsyncIterator[None]:
    """Ticks once every source has listed, then once per batch of changes.

    Changes that arrive while the consumer is busy are coalesced into one tick, so a burst of
    ReplicaSet updates costs one snapshot. The first failure of any source ends the iteration.
    """
    watched = list(sources)
    queue: asyncio.Queue[BaseException | None] = asyncio.Queue()

    async def pump(source: Source) -> None:
        try:
            async for event in list_and_watch(
                api, source.path, source.params, clock=clock, options=options
            ):
                source.apply(event)
                queue.put_nowait(None)
        except Exception as exc:
            queue.put_nowait(exc)

    tasks = [asyncio.create_task(pump(source)) for source in watched]
    try:
        while True:
            item = await queue.get()
            while True:
                if item is not None:
                    raise item
                if queue.empty():
                    break
                item = queue.get_nowait()
            if all(source.synced for source in watched):
                yield None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
