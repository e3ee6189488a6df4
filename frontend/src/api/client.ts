// HTTP client of the app's API. Paths are relative to the page, so the UI also works behind a path prefix.

import { authHeaders, token } from "./auth";
import type {
  BatchResult, ControlResult, NodeDetails, NodeSummary, Probe, SearchError, TopologyDesc,
} from "./types";

/** An HTTP error with the app's JSON error message. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly body: unknown = null) {
    super(message);
  }
}

type Listener = (e: ApiError) => void;
const unauthorized: Listener[] = [];

/** Called on every 401, e.g. to ask for a token. */
export function onUnauthorized(cb: Listener): void {
  unauthorized.push(cb);
}

export function apiUrl(path: string, params?: Record<string, string>): string {
  const url = new URL(path.replace(/^\//, ""), document.baseURI); // relative: works under a path prefix
  for (const [k, v] of Object.entries(params ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

/** A websocket URL; the token rides as a query parameter as browsers cannot set headers on websockets. */
export function wsUrl(path: string, params?: Record<string, string>): string {
  const url = new URL(apiUrl(path, params));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const t = token();
  if (t) url.searchParams.set("token", t);
  return url.toString();
}

async function request<T>(method: string, path: string, opts: { params?: Record<string, string>; body?: unknown;
  signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders() };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch(apiUrl(path, opts.params), {
    method, headers, signal: opts.signal,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!resp.ok) {
    const message = (body && typeof body === "object" && "error" in body && typeof body.error === "string")
      ? body.error : `${resp.status} ${resp.statusText}`;
    const err = new ApiError(resp.status, message, body);
    if (resp.status === 401) unauthorized.forEach((cb) => cb(err));
    throw err;
  }
  return body as T;
}

const enc = encodeURIComponent;

export const api = {
  topologies: (options?: Record<string, string>) => request<TopologyDesc[]>("GET", "/api/topology", { params: options }),

  nodes: (topology: string, options?: Record<string, string>) =>
    request<{ nodes: Record<string, NodeSummary> }>("GET", `/api/topology/${enc(topology)}`, { params: options }),

  details: (topology: string, nodeId: string, options?: Record<string, string>, signal?: AbortSignal) =>
    request<{ node: NodeDetails }>("GET", `/api/topology/${enc(topology)}/${enc(nodeId)}`, { params: options, signal }),

  probes: () => request<Probe[]>("GET", "/api/probes"),

  /** Node IDs matching one query; a query that does not parse is an ApiError 400 whose body is a SearchError. */
  search: (topology: string, q: string, options?: Record<string, string>, signal?: AbortSignal) =>
    request<{ matches: string[] }>("GET", "/api/search", { params: { ...options, topology, q }, signal }),

  /** Node IDs every `q` in params matches (pinned terms are ANDed by the app). */
  searchMany: (params: URLSearchParams, signal?: AbortSignal) =>
    request<{ matches: string[] }>("GET", `/api/search?${params.toString()}`, { signal }),

  control: (probeId: string, nodeId: string, control: string, args: Record<string, string> = {}) =>
    request<ControlResult>("POST", `/api/control/${enc(probeId)}/${enc(nodeId)}/${enc(control)}`, { body: args }),

  batch: (control: string, nodes: { probe: string; node: string }[], args: Record<string, string> = {}) =>
    request<{ results: BatchResult[] }>("POST", "/api/controls", { body: { control, nodes, args } }),

  /** True if the pipe still lives (Scope's check answers 204). */
  pipeAlive: async (pipeId: string): Promise<boolean> => {
    try {
      await request<void>("GET", `/api/pipe/${enc(pipeId)}/check`);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  },

  closePipe: (pipeId: string) => request<void>("DELETE", `/api/pipe/${enc(pipeId)}`),
};

export function searchError(e: unknown): SearchError | null {
  if (e instanceof ApiError && e.status === 400 && e.body && typeof e.body === "object") {
    const b = e.body as Record<string, unknown>;
    return { error: String(b.error ?? e.message), position: typeof b.position === "number" ? b.position : undefined };
  }
  return null;
}
