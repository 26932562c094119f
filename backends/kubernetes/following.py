"""What the argo, kubernetes and flagger adapters share beyond the API: reading and watching."""

from __future__ import annotations

from collections.abc import AsyncIterator

from backends.base import RolloutsChange
from backends.clock import Clock
from backends.errors import NotFound
from backends.kubernetes.client import Obj, connect, resource_path, split_id
from backends.kubernetes.objects import (
    as_dict,
    meta,
    selector,
)
from backends.kubernetes.options import KubeOptions
from backends.kubernetes.watch import Source, WatchEvent, watch_sources
from backends.model import Rollout, RolloutSummary


class SnapshotBackend:
    """What the three Kubernetes adapters share: a rollout is a join of watched lists.

    A subclass names the primary object's path, the lists a snapshot needs (`sources`) and how
    they become a Rollout (`assemble`); reading once and watching then use the same code.
    """

    def __init__(self, options: KubeOptions, clock: Clock) -> None:
        self._api = connect(options)
        self._options = options
        self._clock = clock
        self._keys = options.change_annotations.keys()
        self._events = options.events

    def primary_path(self, namespace: str | None, name: str | None = None, sub: str = "") -> str:
        raise NotImplementedError

    def sources(self, primary: Obj) -> dict[str, Source]:
        raise NotImplementedError

    def assemble(self, sources: dict[str, Source]) -> Rollout:
        raise NotImplementedError

    def list_sources(self) -> dict[str, Source]:
        """The lists every rollout in scope is built from: one list per kind, not per rollout."""
        raise NotImplementedError

    def summaries(self, sources: dict[str, Source]) -> list[RolloutSummary]:
        raise NotImplementedError

    async def list_rollouts(self) -> list[RolloutSummary]:
        sources = self.list_sources()
        for source in sources.values():
            items, _ = await self._api.list(source.path, source.params)
            source.apply(WatchEvent("SYNC", items))
        return self.summaries(sources)

    async def watch_rollouts(self) -> AsyncIterator[RolloutsChange]:
        """The list from the same lists, watched: a tick costs a join, never a relist.

        A tick that changed nothing another list shows (a bookmark, a ReplicaSet's status) yields
        nothing; otherwise the rollouts that changed, one by one, or the whole list when one
        appeared or went.
        """
        sources = self.list_sources()
        known: dict[str, RolloutSummary] | None = None
        async for _ in watch_sources(
            self._api, sources.values(), clock=self._clock, options=self._options
        ):
            now = {summary.id: summary for summary in self.summaries(sources)}
            if known is None or now.keys() != known.keys():
                yield list(now.values())
            else:
                for key, summary in now.items():
                    if known[key] != summary:
                        yield summary
            known = now

    def _namespaces(self) -> str | None:
        return None if self._options.all_namespaces else self._api.namespace

    async def _read(self, rollout_id: str) -> tuple[Obj, Rollout]:
        namespace, name = split_id(rollout_id, self._api.namespace)
        primary = await self._api.get(self.primary_path(namespace, name))
        sources = self.sources(primary)
        for key, source in sources.items():
            if key == "primary":
                source.apply(WatchEvent("SYNC", [primary]))
            else:
                source.apply(
                    WatchEvent("SYNC", (await self._api.list(source.path, source.params))[0])
                )
        return primary, self.assemble(sources)

    async def get_rollout(self, rollout_id: str) -> Rollout:
        return (await self._read(rollout_id))[1]

    async def watch_rollout(self, rollout_id: str) -> AsyncIterator[Rollout]:
        namespace, name = split_id(rollout_id, self._api.namespace)
        sources = self.sources(await self._api.get(self.primary_path(namespace, name)))
        last: Rollout | None = None
        async for _ in watch_sources(
            self._api, sources.values(), clock=self._clock, options=self._options
        ):
            if not sources["primary"].objects:
                raise NotFound(f"{namespace}/{name} has been deleted")
            snapshot = self.assemble(sources)
            if snapshot != last:
                last = snapshot
                yield snapshot

    def with_events(self, primary: Obj, sources: dict[str, Source]) -> dict[str, Source]:
        """Adds the Kubernetes Events about the primary object when `events` asks for them."""
        if self._events:
            md = meta(primary)
            involved = (
                f"involvedObject.kind={primary.get('kind')},involvedObject.name={md.get('name')}"
            )
            path = resource_path("v1", "events", str(md.get("namespace") or self._api.namespace))
            sources["events"] = Source(path, {"fieldSelector": involved})
        return sources

    @staticmethod
    def events_of(sources: dict[str, Source]) -> list[Obj] | None:
        return sources["events"].items() if "events" in sources else None

    def primary_source(self, primary: Obj) -> Source:
        md = meta(primary)
        path = self.primary_path(str(md.get("namespace") or self._api.namespace))
        return Source(path, {"fieldSelector": f"metadata.name={md.get('name')}"})

    def replicaset_source(self, primary: Obj, hash_label: str) -> Source:
        """The ReplicaSets the primary's selector picks: its revisions, stable and canary."""
        namespace = str(meta(primary).get("namespace") or self._api.namespace)
        labels = as_dict(as_dict(as_dict(primary.get("spec")).get("selector")).get("matchLabels"))
        return Source(
            resource_path("apps/v1", "replicasets", namespace),
            {"labelSelector": selector(labels) or hash_label},
        )

    async def aclose(self) -> None:
        await self._api.aclose()
