// Periodic reads: the topology list (view selector, counts, options; as Scope's UI, every 5 s) and the probes
// (online/offline in the status bar, a toast when one goes away or comes back). Also asks for a token on 401.

import { setToken } from "../api/auth";
import { ApiError, api } from "../api/client";
import type { Probe } from "../api/types";
import { promptDialog, toast } from "../ui/dialog";
import { h } from "../ui/dom";
import type { App } from "./app";

const TOPOLOGY_MS = 5000;
const PROBES_MS = 5000;

export class Pollers {
  private probes: Probe[] | null = null;
  private asking = false;

  constructor(private readonly app: App) {}

  start(): void {
    const loop = (fn: () => Promise<void>, ms: number) => {
      const run = async () => {
        await fn();
        // Hidden tabs poll less: nobody is looking.
        window.setTimeout(run, document.hidden ? ms * 4 : ms);
      };
      void run();
    };
    loop(() => this.topologies(), TOPOLOGY_MS);
    loop(() => this.probesOnce(), PROBES_MS);
  }

  private async topologies(): Promise<void> {
    try {
      const topology = this.app.store.state.topology;
      this.app.setTopologies(await api.topologies(this.app.optionsFor(topology)));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) this.app.status.setLive("reconnecting", "app unreachable");
    }
  }

  private async probesOnce(): Promise<void> {
    let next: Probe[];
    try {
      next = await api.probes();
    } catch (e) {
      this.app.status.setProbes(null, e instanceof Error ? e.message : "unreachable");
      return;
    }
    if (this.probes) {
      const before = new Map(this.probes.map((p) => [p.id, p.online !== false]));
      for (const p of next) {
        const was = before.get(p.id);
        const now = p.online !== false;
        if (was === true && !now) toast(`Probe ${p.hostname} went offline`, "error", 8000);
        if (was === false && now) toast(`Probe ${p.hostname} is back`, "ok");
      }
    }
    this.probes = next;
    this.app.status.setProbes(next);
  }

  /** A dialog listing the probes and their sources. */
  showProbes(): void {
    const probes = this.probes ?? [];
    const dlg = h("dialog.modal.wide", { "data-test": "probes-dialog" },
      h("form", { method: "dialog" },
        h("h3", {}, "Probes"),
        probes.length ? h("table.grid", {},
          h("thead", {}, h("tr", {}, h("th", {}, "Host"), h("th", {}, "Status"), h("th", {}, "Last seen"),
            h("th", {}, "Sources"))),
          h("tbody", {}, ...probes.map((p) => h("tr", {},
            h("td", { title: p.id }, p.hostname),
            h("td", {}, h(`span.dot.${p.online === false ? "offline" : "online"}`),
              p.online === false ? "offline" : "online"),
            h("td", {}, new Date(p.lastSeen).toLocaleTimeString()),
            h("td", {}, Object.entries(p.sources ?? {}).map(([name, s]) =>
              h(`span.source.${s.live ? "on" : "off"}`, { title: s.reason }, name))))))) :
          h("p", {}, "No probe has published to this app yet."),
        h("div.actions", {}, h("button", { type: "submit" }, "Close"))));
    dlg.addEventListener("close", () => dlg.remove());
    document.body.appendChild(dlg);
    dlg.showModal();
  }

  /** The app wants a token: ask once, keep it for this tab, start over. */
  async askToken(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    const t = await promptDialog("Sign in", "This app needs an access token", "", true);
    this.asking = false;
    if (t === null) {
      toast("Without a token the app shows nothing", "error");
      return;
    }
    setToken(t.trim());
    location.reload();
  }
}
