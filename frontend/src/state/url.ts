// The UI state in the URL hash, so reloading or sharing a link restores the view, options, search, pinned terms,
// selected node, grouping and drill-down:
//   #!/containers?o.system=all&q=nginx&pin=cpu%20%3E%2050%25&node=abc%3B%3Ccontainer%3E&mode=table&group=host
// Navigation (view, drill-down, selected node, map/table) adds history entries so Back undoes it; typing does not.

import { INITIAL, type Crumb, type HistoryMode, type Mode, type Store, type UiState } from "./store";

export function encodeState(s: UiState): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s.options)) p.set(`o.${k}`, v);
  if (s.query) p.set("q", s.query);
  for (const t of s.pinned) p.append("pin", t);
  if (s.selected) p.set("node", s.selected);
  if (s.mode !== INITIAL.mode) p.set("mode", s.mode);
  if (s.groupBy) p.set("group", s.groupBy);
  if (s.sizeMetric) p.set("size", s.sizeMetric);
  if (s.context.length) p.set("ctx", JSON.stringify(s.context.map((c) => [c.topology, c.node, c.label])));
  if (s.sort.column !== INITIAL.sort.column || s.sort.desc) p.set("sort", `${s.sort.desc ? "-" : ""}${s.sort.column}`);
  const query = p.toString();
  return `#!/${encodeURIComponent(s.topology ?? "")}${query ? `?${query}` : ""}`;
}

export function decodeState(hash: string): Partial<UiState> & { modeGiven: boolean } {
  const body = hash.replace(/^#!?\/?/, "");
  const q = body.indexOf("?");
  const path = q < 0 ? body : body.slice(0, q);
  const p = new URLSearchParams(q < 0 ? "" : body.slice(q + 1));
  const options: Record<string, string> = {};
  for (const [k, v] of p) if (k.startsWith("o.")) options[k.slice(2)] = v;
  const sort = p.get("sort");
  const mode = p.get("mode");
  return {
    topology: decodeURIComponent(path) || null,
    options,
    query: p.get("q") ?? "",
    pinned: p.getAll("pin").filter(Boolean),
    selected: p.get("node"),
    mode: mode === "table" ? "table" : "map" as Mode,
    modeGiven: mode !== null,
    groupBy: p.get("group"),
    sizeMetric: p.get("size"),
    context: parseContext(p.get("ctx")),
    sort: sort ? { column: sort.replace(/^-/, ""), desc: sort.startsWith("-") } : INITIAL.sort,
  };
}

function parseContext(raw: string | null): Crumb[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v.filter((c): c is [string, string, string] => Array.isArray(c) && c.length === 3 &&
      c.every((x) => typeof x === "string")).map(([topology, node, label]) => ({ topology, node, label }));
  } catch {
    return [];
  }
}

/** Keep the hash and the store in step, both ways. */
export function bindUrl(store: Store<UiState>): void {
  store.subscribe((state, _changed, mode: HistoryMode) => {
    if (mode === "none") return;
    const hash = encodeState(state);
    if (hash === location.hash) return;
    const url = `${location.pathname}${location.search}${hash}`;
    if (mode === "push") history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  });
  window.addEventListener("popstate", () => {
    const { modeGiven: _m, ...decoded } = decodeState(location.hash);
    store.set(decoded, "none");
  });
}

/** The full shareable link of the current state. */
export function shareableUrl(state: UiState): string {
  return `${location.origin}${location.pathname}${encodeState(state)}`;
}
