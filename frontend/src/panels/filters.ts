// The filter panel (left): the topology's options (Scope's ids, values and defaults), the pinned search terms,
// builders that pin terms of the search syntax (resource type, label, metric threshold), and saved filters.

import type { NodeSummary, TopologyOption } from "../api/types";
import { deleteFilter, loadSaved, saveFilter } from "../state/saved";
import type { UiState } from "../state/store";
import { encodeState, shareableUrl } from "../state/url";
import { toast, promptDialog } from "../ui/dialog";
import { copyText, h, setChildren } from "../ui/dom";
import { icon } from "../ui/icons";

export interface FiltersHandlers {
  setOption: (id: string, value: string) => void;
  pin: (term: string) => void;
  unpin: (term: string) => void;
  apply: (hash: string) => void;
}

// Values `type:` accepts (scopecore.render.search: report topology names, API names, "pseudo").
const TYPES = ["process", "container", "container_image", "host", "pod", "service", "deployment", "daemon_set",
  "stateful_set", "cron_job", "job", "namespace", "pseudo"];

// Scope's options have no titles; these name the common ones.
const CAPTIONS: Record<string, string> = { system: "Containers", stopped: "State", pseudo: "Pseudo nodes",
  unconnected: "Unconnected processes", namespace: "Namespaces", storage: "Storage", snapshot: "Snapshots" };

function caption(id: string): string {
  return CAPTIONS[id] ?? id.charAt(0).toUpperCase() + id.slice(1);
}

/** "Open files" -> "openfiles": how the search syntax names a metric (scopecore's slugify). */
export function slugify(label: string): string {
  return label.replace(/[^A-Za-z0-9]/g, "").toLowerCase();
}

export class FiltersPanel {
  readonly el: HTMLElement;
  private readonly optionsEl: HTMLElement;
  private readonly pinnedEl: HTMLElement;
  private readonly labelsSel: HTMLSelectElement;
  private readonly metricSel: HTMLSelectElement;
  private readonly savedEl: HTMLElement;
  private state: UiState | null = null;
  private labelsKey = "";
  private renderedKey = "";
  private metricsKey = "";

  constructor(private readonly handlers: FiltersHandlers) {
    this.optionsEl = h("div.options", { "data-test": "options" });
    this.pinnedEl = h("div.pinned-list", { "data-test": "pinned-list" });

    const typeSel = h("select", { "aria-label": "Resource type" },
      h("option", { value: "" }, "Resource type…"), ...TYPES.map((t) => h("option", { value: t }, t.replace(/_/g, " "))));
    typeSel.addEventListener("change", () => {
      if (typeSel.value) this.handlers.pin(`type:${typeSel.value}`);
      typeSel.value = "";
    });

    this.labelsSel = h("select", { "aria-label": "Label", "data-test": "label-filter" },
      h("option", { value: "" }, "Label…"));
    this.labelsSel.addEventListener("change", () => {
      if (this.labelsSel.value) this.handlers.pin(`label:${this.labelsSel.value}`);
      this.labelsSel.value = "";
    });

    this.metricSel = h("select", { "aria-label": "Metric" }, h("option", { value: "" }, "Metric…"));
    const op = h("select", { "aria-label": "Comparison" }, h("option", { value: ">" }, ">"),
      h("option", { value: "<" }, "<"), h("option", { value: "=" }, "="));
    const value = h("input", { type: "text", placeholder: "80% · 512M", "aria-label": "Threshold", size: 7 });
    const addMetric = h("form.metric-filter", { onsubmit: (e: Event) => {
      e.preventDefault();
      if (!this.metricSel.value || !value.value.trim()) return;
      this.handlers.pin(`${this.metricSel.value} ${op.value} ${value.value.trim()}`);
      value.value = "";
    } }, this.metricSel, h("div.row", {}, op, value, h("button", { type: "submit", title: "Pin this threshold" },
      "Add")));

    this.savedEl = h("div.saved-list", { "data-test": "saved-list" });

    this.el = h("aside.filters", { "aria-label": "Filters", "data-test": "filters" },
      h("section", {}, h("h3", {}, "View options"), this.optionsEl),
      h("section", {}, h("h3", {}, "Pinned filters"), this.pinnedEl,
        h("p.hint", {}, "Press Enter in the search box to pin a search. Pinned terms are ANDed and hide the nodes " +
          "they do not match.")),
      h("section", {}, h("h3", {}, "Add a filter"), h("div.filter-builders", {}, typeSel, this.labelsSel, addMetric)),
      h("section", {}, h("h3", {}, "Saved filters"),
        h("div.saved-actions", {},
          h("button", { onclick: () => void this.save(), "data-test": "save-filter" }, "Save current…"),
          h("button", { onclick: () => this.copyLink(), title: "Copy a link to this exact view" }, "Copy link")),
        this.savedEl));
    this.renderSaved();
  }

  /** The view state changed. Redrawn only when what it shows changed: a redraw under the pointer would eat
   * the click in progress. */
  update(state: UiState, options: TopologyOption[]): void {
    this.state = state;
    const key = JSON.stringify([state.options, state.pinned, options]);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    this.renderOptions(state, options);
    setChildren(this.pinnedEl, state.pinned.length ? state.pinned.map((t) => h("span.chip", { title: t },
      h("span", {}, t), h("button.chip-x", { "aria-label": `Unpin ${t}`, onclick: () => this.handlers.unpin(t) },
        icon("times")))) : h("span.muted", {}, "None"));
  }

  /** Offer the labels and metrics the shown nodes carry (a sample; called throttled). */
  updateNodes(nodes: Iterable<NodeSummary>): void {
    const labels = new Map<string, number>();
    const metrics = new Map<string, string>();
    let n = 0;
    for (const node of nodes) {
      if (++n > 3000) break;
      for (const t of node.tables ?? []) {
        if (!t.id.toLowerCase().includes("label")) continue;
        for (const r of t.rows ?? []) {
          const k = r.entries.label;
          const v = r.entries.value;
          if (k && v !== undefined) labels.set(`${k}=${v}`, (labels.get(`${k}=${v}`) ?? 0) + 1);
        }
      }
      for (const m of node.metrics ?? []) if (m.label) metrics.set(slugify(m.label), m.label);
    }
    const labelList = [...labels.entries()].sort((a, b) => a[0].localeCompare(b[0])).slice(0, 300);
    const lk = JSON.stringify(labelList);
    if (lk !== this.labelsKey) {
      this.labelsKey = lk;
      setChildren(this.labelsSel, h("option", { value: "" }, labelList.length ? "Label…" : "No labels here"),
        ...labelList.map(([kv, count]) => h("option", { value: kv }, `${kv} (${count})`)));
    }
    const mk = JSON.stringify([...metrics]);
    if (mk !== this.metricsKey) {
      this.metricsKey = mk;
      setChildren(this.metricSel, h("option", { value: "" }, "Metric…"),
        ...[...metrics].map(([slug, label]) => h("option", { value: slug }, label)));
    }
  }

  private renderOptions(state: UiState, options: TopologyOption[]): void {
    if (!options.length) {
      setChildren(this.optionsEl, h("span.muted", {}, "This view has no options."));
      return;
    }
    setChildren(this.optionsEl, ...options.map((o) => {
      const current = state.options[o.id] ?? o.defaultValue;
      const values = o.options ?? [];
      if (o.selectType === "union") {
        // Several values at once (namespaces), joined with commas as Scope's UI sends them.
        const chosen = new Set(current.split(",").filter(Boolean));
        return h("fieldset.option", { "data-option": o.id }, h("legend", {}, caption(o.id)),
          ...values.map((v) => {
            const box = h("input", { type: "checkbox", checked: chosen.has(v.value) });
            box.addEventListener("change", () => {
              if (box.checked) chosen.add(v.value);
              else chosen.delete(v.value);
              this.handlers.setOption(o.id, [...chosen].join(",") || o.defaultValue);
            });
            return h("label.check", {}, box, v.label);
          }), chosen.size === 0 && o.noneLabel ? h("span.muted", {}, o.noneLabel) : null);
      }
      return h("div.option", { role: "radiogroup", "aria-label": caption(o.id), "data-option": o.id },
        h("div.caption", {}, caption(o.id)),
        ...values.map((v) => h(`button.choice${v.value === current ? ".active" : ""}`, {
          role: "radio", "aria-checked": v.value === current ? "true" : "false", "data-value": v.value,
          onclick: () => this.handlers.setOption(o.id, v.value),
        }, v.label)));
    }));
  }

  private async save(): Promise<void> {
    if (!this.state) return;
    const name = await promptDialog("Save filter", "Name", this.state.pinned.join(" · ") || this.state.topology || "");
    if (!name?.trim()) return;
    saveFilter(name.trim(), encodeState(this.state));
    this.renderSaved();
    toast(`Saved “${name.trim()}”`, "ok");
  }

  private copyLink(): void {
    if (!this.state) return;
    void copyText(shareableUrl(this.state)).then(() => toast("Link copied", "ok"));
  }

  private renderSaved(): void {
    const saved = loadSaved();
    setChildren(this.savedEl, saved.length ? saved.map((f) => h("div.saved", {},
      h("a", { href: f.hash, title: f.hash, onclick: (e: Event) => {
        e.preventDefault();
        this.handlers.apply(f.hash);
      } }, f.name),
      h("button.icon-button", { "aria-label": `Copy link to ${f.name}`, title: "Copy link", onclick: () =>
        void copyText(`${location.origin}${location.pathname}${f.hash}`).then(() => toast("Link copied", "ok")) },
        icon("clone")),
      h("button.icon-button", { "aria-label": `Delete ${f.name}`, title: "Delete", onclick: () => {
        deleteFilter(f.name);
        this.renderSaved();
      } }, icon("trash")))) : h("span.muted", {}, "None yet"));
  }
}
