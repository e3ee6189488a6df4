"""Kubernetes controls (Scope's IDs): pod logs as a live pipe, delete pod, scale up/down, describe as YAML, and
cordon/uncordon of this probe's node. The official client blocks, so each call runs in a thread; log streams
are read by one thread per container and handed to the pipe on the event loop."""

import asyncio
import contextlib
import threading
from collections.abc import Mapping
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from scopecore.report import TopologyKind, ids
from scopeprobe.controls import Controls, Pipes

from . import keys as k
from . import nodes
from .informer import Obj
from .reporter import KubernetesReporter
from .resources import BY_TOPOLOGY, RESOURCES

K = TopologyKind
Reply = dict[str, Any]
_TAG_KINDS = {tag: kind for kind, tag in nodes.TAGS.items()}


class _LogPipe:
    """The probe's end of a logs or describe pipe: input is ignored, closing stops the streams."""

    def __init__(self) -> None:
        self.responses: list[Any] = []
        self.closed = threading.Event()

    def write(self, data: bytes) -> None:
        pass

    async def close(self) -> None:
        self.closed.set()
        for r in self.responses:
            # Wakes the thread blocked reading it (close() alone would wait for that read); a stream that already
            # ended has nothing to wake.
            with contextlib.suppress(ValueError, RuntimeError, OSError):
                r.shutdown()
            await asyncio.to_thread(r.close)


def _error(e: ApiException) -> Reply:
    return {"error": f"the API server refused: {e.status} {e.reason}"}


class KubernetesControls:
    """Serves the controls of the nodes `reporter` reports."""

    def __init__(self, reporter: KubernetesReporter) -> None:
        self.reporter = reporter
        self.core = client.CoreV1Api(reporter.api)
        self.apps = client.AppsV1Api(reporter.api)

    def register(self, controls: Controls) -> None:
        """Serve every control."""
        for control, handler in ((k.GET_LOGS, self.get_logs), (k.DELETE_POD, self.delete_pod),
                                 (k.SCALE_UP, self.scale_up), (k.SCALE_DOWN, self.scale_down),
                                 (k.DESCRIBE, self.describe), (k.CORDON, self.cordon), (k.UNCORDON, self.uncordon)):
            controls.register(control, handler)

    def _find(self, node_id: str) -> tuple[TopologyKind, Obj] | None:
        parts = ids.split_tagged(node_id)
        kind = _TAG_KINDS.get(parts[1]) if parts is not None else None
        found = self.reporter.find(kind, node_id) if kind is not None else None
        return (kind, found) if kind is not None and found is not None else None

    async def get_logs(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """A pipe streaming the pod's containers' logs (prefixed by container when there are several)."""
        found = self._find(node_id)
        if found is None or found[0] is not K.POD:
            return {"error": f"no pod {node_id!r} known to this probe"}
        pod = found[1]
        meta = pod.get("metadata") or {}
        containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or ()]
        tail = args.get("tail")
        opts: dict[str, Any] = {"follow": True, "timestamps": str(args.get("timestamps", "")).lower() == "true"}
        if tail not in (None, ""):
            opts["tail_lines"] = int(tail)
        try:  # open every stream before answering, so a refused one is an error, not an empty pipe
            streams = [await asyncio.to_thread(self.core.read_namespaced_pod_log, meta["name"], meta["namespace"],
                                               container=c, _preload_content=False, **opts) for c in containers]
        except ApiException as e:
            return _error(e)
        pipe_id, end = pipes.new_id(), _LogPipe()
        end.responses = streams
        pipes.ends[pipe_id] = end
        loop = asyncio.get_running_loop()
        remaining = [len(streams)]

        def pump(container: str, resp: Any) -> None:
            prefix = f"[{container}] ".encode() if len(streams) > 1 else b""
            try:
                for line in resp.stream(4096) if not prefix else _lines(resp):
                    if end.closed.is_set():
                        break
                    loop.call_soon_threadsafe(pipes.send, pipe_id, prefix + line if prefix else line)
            except Exception:  # the stream was closed under us (the pipe closed) or the server went away
                pass
            finally:
                remaining[0] -= 1
                if remaining[0] == 0 and not end.closed.is_set():
                    loop.call_soon_threadsafe(_close, pipes, pipe_id)

        for c, resp in zip(containers, streams, strict=True):
            threading.Thread(target=pump, args=(c, resp), name=f"k8s-logs-{c}", daemon=True).start()
        return {"pipe": pipe_id}

    async def delete_pod(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """Delete the pod (its controller, if any, makes a new one)."""
        found = self._find(node_id)
        if found is None or found[0] is not K.POD:
            return {"error": f"no pod {node_id!r} known to this probe"}
        meta = found[1].get("metadata") or {}
        try:
            await asyncio.to_thread(self.core.delete_namespaced_pod, meta["name"], meta["namespace"])
        except ApiException as e:
            return _error(e)
        return {"removedNode": node_id}

    async def scale_up(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """One more replica."""
        return await self._scale(node_id, +1)

    async def scale_down(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """One replica fewer (not below zero)."""
        return await self._scale(node_id, -1)

    async def _scale(self, node_id: str, by: int) -> Reply:
        found = self._find(node_id)
        if found is None or found[0] not in (K.DEPLOYMENT, K.STATEFUL_SET):
            return {"error": f"no deployment or stateful set {node_id!r} known to this probe"}
        kind, o = found
        meta = o.get("metadata") or {}
        read, patch = ((self.apps.read_namespaced_deployment_scale, self.apps.patch_namespaced_deployment_scale)
                       if kind is K.DEPLOYMENT else
                       (self.apps.read_namespaced_stateful_set_scale, self.apps.patch_namespaced_stateful_set_scale))
        try:
            scale = await asyncio.to_thread(read, meta["name"], meta["namespace"])
            replicas = max(0, ((scale.spec.replicas if scale.spec is not None else 0) or 0) + by)
            await asyncio.to_thread(patch, meta["name"], meta["namespace"], {"spec": {"replicas": replicas}})
        except ApiException as e:
            return _error(e)
        return {}

    async def describe(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """The object as the API server has it, in YAML, on a pipe (as Scope's describe)."""
        found = self._find(node_id)
        res, obj = ((BY_TOPOLOGY[found[0]], found[1]) if found is not None
                    else (RESOURCES["nodes"], self.reporter.node_object(node_id)))
        if obj is None:
            return {"error": f"no Kubernetes object {node_id!r} known to this probe"}
        # Objects from a list carry no kind (those from watch events do): say it first, as kubectl get -o yaml.
        text = yaml.safe_dump({"apiVersion": res.api_version, "kind": res.kind, **obj}, sort_keys=False,
                              default_flow_style=False)
        pipe_id = pipes.new_id()
        pipes.ends[pipe_id] = _LogPipe()
        pipes.send(pipe_id, text.replace("\n", "\r\n").encode())
        return {"pipe": pipe_id}

    async def cordon(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """Mark this host's node unschedulable."""
        return await self._cordon(node_id, True)

    async def uncordon(self, node_id: str, args: Mapping[str, Any], pipes: Pipes) -> Reply:
        """Make this host's node schedulable again."""
        return await self._cordon(node_id, False)

    async def _cordon(self, node_id: str, unschedulable: bool) -> Reply:
        o = self.reporter.node_object(node_id)
        if o is None:
            return {"error": f"{node_id!r} is not a Kubernetes node this probe knows"}
        try:
            await asyncio.to_thread(self.core.patch_node, (o.get("metadata") or {})["name"],
                                    {"spec": {"unschedulable": unschedulable}})
        except ApiException as e:
            return _error(e)
        return {}


def _lines(resp: Any) -> Any:
    """Whole lines from a streamed response (so a prefix lands at line starts)."""
    rest = b""
    for chunk in resp.stream(4096):
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def _close(pipes: Pipes, pipe_id: str) -> None:
    if pipes.ends.pop(pipe_id, None) is not None:
        pipes.send(pipe_id, None)
