"""Flagger Canary resources, decided through Flagger's load tester.

Flagger asks its load tester whether the confirm gates are open; with `loadtester_url` set,
promote opens the gate and abort opens the rollback gate, and each is closed again once the
canary has moved on, so the next gate waits for the next confirmation. How a Canary reads as a
rollout is in canary.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from backends.base import Capability
from backends.clock import Clock
from backends.connection.client import secrets_hidden
from backends.connection.failures import NO_ANSWER, snippet
from backends.connection.limits import send_limited
from backends.errors import BackendError, Conflict, Unreachable, Unsupported
from backends.expectation import check_expectation
from backends.kubernetes.client import Obj, resource_path
from backends.kubernetes.deployments import HASH_LABEL
from backends.kubernetes.flagger.canary import AWAITING, to_rollout
from backends.kubernetes.following import SnapshotBackend
from backends.kubernetes.objects import as_dict, meta
from backends.kubernetes.options import FlaggerOptions
from backends.kubernetes.watch import Source, list_and_watch
from backends.model import EventLevel, Expectation, Rollout, RolloutEvent, RolloutSummary
from backends.registry import AdapterContext, DeployAdapter
from backends.text_safety import SecretMask

GROUP_VERSION = "flagger.app/v1beta1"
MAX_GATE_ANSWER = 1 << 20
"""Bytes of a load tester's answer read: it answers a gate with a word or two."""


class FlaggerBackend(SnapshotBackend):
    """Follows Flagger canaries; decides through the load tester's gates when one is set."""

    def __init__(self, options: FlaggerOptions, clock: Clock) -> None:
        super().__init__(options, clock)
        url = options.loadtester_url
        self._loadtester = (
            httpx.AsyncClient(base_url=str(url), timeout=options.timeout) if url else None
        )
        self._loadtester_mask = SecretMask([url.password] if url and url.password else [])
        self._closers: dict[tuple[str, str], tuple[asyncio.Task[None], Rollout]] = {}
        self._notes: dict[str, list[RolloutEvent]] = {}
        self.capabilities = (
            frozenset({Capability.PROMOTE, Capability.ABORT}) if self._loadtester else frozenset()
        )

    def primary_path(self, namespace: str | None, name: str | None = None, sub: str = "") -> str:
        return resource_path(GROUP_VERSION, "canaries", namespace, name, sub)

    def sources(self, primary: Obj) -> dict[str, Source]:
        md = meta(primary)
        namespace, name = str(md.get("namespace") or self._api.namespace), md.get("name")
        target = as_dict(as_dict(primary.get("spec")).get("targetRef")).get("name") or name
        deployments = resource_path("apps/v1", "deployments", namespace)
        found = {
            "primary": self.primary_source(primary),
            "stable": Source(deployments, {"fieldSelector": f"metadata.name={target}-primary"}),
            "canary": Source(deployments, {"fieldSelector": f"metadata.name={target}"}),
            "replicasets": Source(
                resource_path("apps/v1", "replicasets", namespace), {"labelSelector": HASH_LABEL}
            ),
        }
        return self.with_events(primary, found)

    def assemble(self, sources: dict[str, Source]) -> Rollout:
        (canary,) = sources["primary"].items()
        rollout = to_rollout(
            canary,
            sources["stable"].items() + sources["canary"].items(),
            sources["replicasets"].items(),
            keys=self._keys,
            now=self._clock.now(),
            events=self.events_of(sources),
        )
        notes = self._notes.get(rollout.id, [])
        events = sorted(rollout.events + notes, key=lambda event: event.time)
        return rollout.model_copy(update={"events": events}) if notes else rollout

    def list_sources(self) -> dict[str, Source]:
        namespace = self._namespaces()
        return {
            "canaries": Source(self.primary_path(namespace)),
            "deployments": Source(resource_path("apps/v1", "deployments", namespace)),
            "replicasets": Source(
                resource_path("apps/v1", "replicasets", namespace), {"labelSelector": HASH_LABEL}
            ),
        }

    def summaries(self, sources: dict[str, Source]) -> list[RolloutSummary]:
        deployments, now = sources["deployments"].items(), self._clock.now()
        replicasets = sources["replicasets"].items()
        return [
            to_rollout(c, deployments, replicasets, keys=self._keys, now=now).summary()
            for c in sources["canaries"].items()
        ]

    async def _gate(self, path: str, current: Rollout) -> None:
        """POST a load-tester gate; it answers 202 once the gate is stored."""
        if self._loadtester is None:
            raise Unsupported("set loadtester_url to decide Flagger canaries from rollwatch")
        body = {"name": current.name, "namespace": current.namespace}
        mask = self._loadtester_mask
        with secrets_hidden(mask):
            request = self._loadtester.build_request("POST", path, json=body)
            what = f"load tester {path}"
            try:
                response = await send_limited(self._loadtester, request, MAX_GATE_ANSWER, what)
            except NO_ANSWER as exc:
                raise Unreachable(f"{what}: unreachable", detail=str(exc)) from exc
            if response.status_code >= 300:
                raise BackendError(
                    f"{what}: answered {response.status_code}",
                    detail=snippet(mask(response.text)),
                )
        self._note(current.id, f"load tester {path}")

    async def _open_until_moved(self, rollout_id: str, expect: Expectation, gate: str) -> Rollout:
        canary, current = await self._read(rollout_id)
        check_expectation(expect, current)
        status = as_dict(canary.get("status"))
        if gate == "/gate" and status.get("phase") not in AWAITING:
            raise Conflict(
                f"{current.id} is not waiting for a decision", detail=str(status.get("phase"))
            )
        key = (current.id, gate)
        if (previous := self._closers.pop(key, None)) is not None:
            previous[0].cancel()
            await asyncio.gather(previous[0], return_exceptions=True)
        await self._gate(f"{gate}/open", current)
        seen = (status.get("phase"), status.get("canaryWeight"), status.get("iterations"))
        closer = asyncio.create_task(self._close_when_moved(canary, current, seen, gate))
        self._closers[key] = (closer, current)
        return current

    async def _close_when_moved(
        self, canary: Obj, current: Rollout, seen: tuple[Any, ...], gate: str
    ) -> None:
        """Watch the canary until its phase, weight or iteration changes, then close the gate.

        A watch that fails closes the gate at once (the snapshot watch reports the failure):
        a gate left open would pass the next confirmation without anyone looking.
        """
        source = self.primary_source(canary)
        try:
            async for event in list_and_watch(
                self._api, source.path, source.params, clock=self._clock, options=self._options
            ):
                source.apply(event)
                states = [as_dict(c.get("status")) for c in source.items()]
                now = [(s.get("phase"), s.get("canaryWeight"), s.get("iterations")) for s in states]
                if now != [seen]:
                    break
        except BackendError as exc:
            self._note(current.id, f"watch for {gate}/close failed: {exc}", EventLevel.WARNING)
        finally:
            self._closers.pop((current.id, gate), None)
            await asyncio.shield(self._close(gate, current))

    async def _close(self, gate: str, current: Rollout) -> None:
        try:
            await self._gate(f"{gate}/close", current)
        except BackendError as exc:
            self._note(
                current.id,
                f"{gate}/close failed, the gate may still be open: {exc}",
                EventLevel.WARNING,
            )

    def _note(self, rollout_id: str, message: str, level: EventLevel = EventLevel.ACTION) -> None:
        """Gate traffic is rollwatch's own doing: it is shown in the rollout's events."""
        self._notes.setdefault(rollout_id, []).append(
            RolloutEvent(time=self._clock.now(), message=message, level=level, actor="rollwatch")
        )

    async def promote(self, rollout_id: str, *, expect: Expectation, full: bool = False) -> Rollout:
        if full:
            raise Unsupported("Flagger has no full promotion: promote opens the confirm gate")
        return await self._open_until_moved(rollout_id, expect, "/gate")

    async def abort(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        return await self._open_until_moved(rollout_id, expect, "/rollback")

    async def retry(self, rollout_id: str) -> Rollout:
        raise Unsupported("Flagger retries by itself when the target Deployment changes")

    async def pause(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise Unsupported(
            "the flagger adapter cannot pause a canary",
            detail="a canary waits at its confirm gates; promote opens them",
        )

    async def resume(self, rollout_id: str, *, expect: Expectation) -> Rollout:
        raise Unsupported(
            "the flagger adapter cannot resume a canary",
            detail="a canary waits at its confirm gates; promote opens them",
        )

    async def aclose(self) -> None:
        """Close every gate rollwatch opened, including those whose watch never started."""
        tasks = [task for task, _ in self._closers.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for (_, gate), (_, current) in list(self._closers.items()):
            await self._close(gate, current)
        self._closers.clear()
        if self._loadtester is not None:
            await self._loadtester.aclose()
        await super().aclose()


def _build(options: FlaggerOptions, context: AdapterContext) -> FlaggerBackend:
    return FlaggerBackend(options, context.clock)


ADAPTER = DeployAdapter(options=FlaggerOptions, build=_build)
"""The `flagger` entry point: the shared Kubernetes options and `loadtester_url`."""
