// Open pipes of this tab in sessionStorage, so a reload re-attaches to the shells and log streams that still
// live in the app (a pipe nobody is attached to is closed after about a minute).

const KEY = "scope.pipes";

export interface SavedPipe {
  pipeId: string;
  kind: "terminal" | "logs" | "text";
  title: string;
  probeId: string;
  nodeId: string;
  rawTty: boolean;
  resizeControl: string | null;
}

export function loadPipes(): SavedPipe[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((p): p is SavedPipe => typeof p?.pipeId === "string") : [];
  } catch {
    return [];
  }
}

function store(list: SavedPipe[]): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // storage disabled: no reattach after reload
  }
}

export function rememberPipe(p: SavedPipe): void {
  store([...loadPipes().filter((x) => x.pipeId !== p.pipeId), p]);
}

export function forgetPipe(pipeId: string): void {
  store(loadPipes().filter((x) => x.pipeId !== pipeId));
}
