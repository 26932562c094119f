"""The `[deploy]` table of the argo, kubernetes and flagger adapters.

One model for what the three share, so a misspelt key (`namespce`) is refused by name instead of
silently watching the `default` namespace; Flagger adds its load tester.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class ChangeAnnotations(BaseModel):
    """The annotation keys a rollout's change (commit, title, ...) is read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha: str = "rollwatch.io/commit"
    title: str = "rollwatch.io/title"
    author: str = "rollwatch.io/author"
    merged_by: str = "rollwatch.io/merged-by"
    url: str = "rollwatch.io/url"

    def keys(self) -> dict[str, str]:
        """Change field -> annotation key, in the order a Change lists its fields."""
        return self.model_dump()


class KubeOptions(BaseModel):
    """The options every Kubernetes adapter shares (see docs/kubernetes.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context: str | None = Field(None, description="kubeconfig context; default: the current one.")
    namespace: str | None = Field(
        None, description="Namespace for ids without one and for listing; default: the context's."
    )
    all_namespaces: bool = Field(False, description="List rollouts in every namespace.")
    kubeconfig: str | None = Field(
        None, description="kubeconfig file; default: in-cluster, $KUBECONFIG, ~/.kube/config."
    )
    timeout: float = Field(10.0, gt=0, description="Seconds per request.")
    backoff: float = Field(1.0, ge=0, description="First delay before re-watching, seconds.")
    max_backoff: float = Field(30.0, ge=0, description="Largest delay before re-watching.")
    max_failures: int = Field(
        5, ge=1, description="Failed re-watches in a row before the API counts as unreachable."
    )
    events: bool = Field(False, description="Also show Kubernetes Events about the workload.")
    change_annotations: ChangeAnnotations = Field(
        default_factory=ChangeAnnotations,
        description="Where the change is read from; keys: sha, title, author, merged_by, url.",
    )

    def delay(self, failures: int) -> float:
        """Exponential backoff after `failures` consecutive failures, capped at `max_backoff`."""
        return float(min(self.max_backoff, self.backoff * 2 ** max(0, failures - 1)))


class FlaggerOptions(KubeOptions):
    """Flagger's table: the shared options and the load tester that holds its confirm gates."""

    loadtester_url: HttpUrl | None = Field(
        None,
        description="Flagger's load tester; without it the adapter follows canaries read-only.",
    )
