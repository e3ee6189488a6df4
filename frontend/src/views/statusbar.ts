// The bottom bar: the view's node and edge counts (the topology list's stats), what is shown after filters,
// totals of the shown nodes' CPU and memory, the live connection, and the probes online and offline.

import type { NodeSummary, Probe, TopologyStats } from "../api/types";
import type { StreamStatus } from "../api/stream";
import { formatBytes, formatNumber } from "../domain/format";
import { h, setChildren } from "../ui/dom";

export class StatusBar {
  readonly el: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly totals: HTMLElement;
  private readonly live: HTMLElement;
  private readonly probes: HTMLElement;
  private readonly hover: HTMLElement;
  private probesKey = "";

  constructor(onProbesClick: () => void) {
    this.counts = h("span.counts", { "data-test": "counts" });
    this.totals = h("span.totals", { "data-test": "totals" });
    this.hover = h("span.hovered");
    this.live = h("span.live", { "data-test": "live" });
    this.probes = h("button.probes", { "data-test": "probes", onclick: onProbesClick, title: "Probes" });
    this.el = h("footer.statusbar", {}, this.counts, this.totals, this.hover, h("span.spacer"), this.live, this.probes);
  }

  /** `shown`: how many nodes the drill-down and pinned terms leave (null when neither applies). */
  setStats(stats: TopologyStats | undefined, shown: number | null, matched: number | null): void {
    if (!stats) {
      this.counts.textContent = "";
      return;
    }
    const parts = [`${stats.node_count} nodes`, `${stats.edge_count} edges`];
    if (stats.filtered_nodes) parts.push(`${stats.filtered_nodes} filtered out by options`);
    if (shown !== null) parts.push(`${shown} shown`);
    if (matched !== null) parts.push(`${matched} match`);
    this.counts.textContent = parts.join(" · ");
  }

  /** Sum of CPU and memory over the shown nodes (summaries carry the current values). */
  setTotals(nodes: Iterable<NodeSummary>): void {
    let cpu = 0;
    let mem = 0;
    let any = false;
    for (const n of nodes) {
      for (const m of n.metrics ?? []) {
        if (m.id.includes("cpu")) {
          cpu += m.value;
          any = true;
        } else if (m.id.includes("mem")) {
          mem += m.value;
          any = true;
        }
      }
    }
    this.totals.textContent = any ? `CPU ${formatNumber(cpu)}% · memory ${formatBytes(mem)}` : "";
  }

  setHover(n: NodeSummary | null): void {
    this.hover.textContent = n ? `${n.label}${n.labelMinor ? ` — ${n.labelMinor}` : ""}` : "";
  }

  setLive(status: StreamStatus, detail?: string): void {
    const text = { connecting: "connecting…", live: "live", reconnecting: "reconnecting", closed: "" }[status];
    this.live.textContent = text + (status === "reconnecting" && detail ? ` (${detail})` : "");
    this.live.className = `live ${status}`;
  }

  setProbes(probes: Probe[] | null, error?: string): void {
    const key = JSON.stringify([probes?.map((p) => [p.id, p.hostname, p.online, p.lastSeen]), error]);
    if (key === this.probesKey) return;
    this.probesKey = key;
    if (!probes) {
      setChildren(this.probes, h("span.dot.offline"), error ? `probes: ${error}` : "probes: ?");
      return;
    }
    const online = probes.filter((p) => p.online !== false).length;
    const offline = probes.length - online;
    setChildren(this.probes, h(`span.dot.${offline ? "offline" : online ? "online" : "none"}`),
      `${online} probe${online === 1 ? "" : "s"} online`, offline ? h("strong.offline", {}, ` · ${offline} offline`) : "");
    this.probes.title = probes.map((p) => `${p.hostname} (${p.id}): ${p.online === false ? "offline" : "online"}` +
      `, last seen ${p.lastSeen}`).join("\n") || "No probe has published yet";
  }
}
