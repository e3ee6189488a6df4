// Above the map and table: the drill-down breadcrumb (with Back), grouping and size-by-metric selectors, and the
// zoom / fit buttons.

import type { NodeSummary } from "../api/types";
import type { Crumb, Mode } from "../state/store";
import { h, setChildren } from "../ui/dom";
import { icon } from "../ui/icons";

export interface ToolbarHandlers {
  /** Go back to a breadcrumb level (index into the context; -1: the top). */
  crumb: (index: number) => void;
  back: () => void;
  groupBy: (g: string | null) => void;
  sizeBy: (m: string | null) => void;
  zoomIn: () => void;
  zoomOut: () => void;
  fit: () => void;
}

const GROUPS: [string, string][] = [["", "No grouping"], ["host", "By host"], ["namespace", "By namespace"],
  ["image", "By image"]];

export class Toolbar {
  readonly el: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly group: HTMLSelectElement;
  private readonly size: HTMLSelectElement;
  private readonly zoom: HTMLElement;
  private labelKeys: string[] = [];
  private metricsKey = "";
  private crumbsKey = "";

  constructor(private readonly handlers: ToolbarHandlers) {
    this.crumbs = h("nav.breadcrumb", { "aria-label": "Drill-down", "data-test": "breadcrumb" });
    this.group = h("select", { "aria-label": "Group by", "data-test": "group-by" });
    this.group.addEventListener("change", () => this.handlers.groupBy(this.group.value || null));
    this.size = h("select", { "aria-label": "Size by", "data-test": "size-by" });
    this.size.addEventListener("change", () => this.handlers.sizeBy(this.size.value || null));
    this.zoom = h("div.zoom", { role: "group", "aria-label": "Zoom" },
      h("button.icon-button", { onclick: () => this.handlers.zoomIn(), title: "Zoom in (+)", "aria-label": "Zoom in" },
        icon("plus")),
      h("button.icon-button", { onclick: () => this.handlers.zoomOut(), title: "Zoom out (-)", "aria-label": "Zoom out" },
        icon("minus")),
      h("button.icon-button", { onclick: () => this.handlers.fit(), title: "Fit (0)", "aria-label": "Fit",
        "data-test": "fit" }, icon("expand")));
    this.el = h("div.toolbar", {}, this.crumbs, h("span.spacer"),
      h("label.field", {}, "Group", this.group), h("label.field", {}, "Size", this.size), this.zoom);
    this.setGroups(null, []);
    this.setSizes(null, []);
  }

  setMode(mode: Mode): void {
    this.zoom.hidden = mode !== "map";
    (this.group.parentElement as HTMLElement).hidden = mode !== "map";
    (this.size.parentElement as HTMLElement).hidden = mode !== "map";
  }

  setCrumbs(viewName: string, context: Crumb[], names: (topology: string) => string): void {
    const key = JSON.stringify([viewName, context, context.map((c) => names(c.topology))]);
    if (key === this.crumbsKey) return; // unchanged: keep the buttons (a redraw would eat a click)
    this.crumbsKey = key;
    if (!context.length) {
      setChildren(this.crumbs, h("span.crumb.current", {}, viewName));
      return;
    }
    const parts: HTMLElement[] = [h("button.icon-button.back", { onclick: () => this.handlers.back(), title: "Back up",
      "aria-label": "Back up", "data-test": "back" }, "←")];
    parts.push(h("button.crumb", { onclick: () => this.handlers.crumb(-1) }, names(context[0].topology)));
    context.forEach((c, i) => {
      parts.push(h("span.sep", {}, "›"));
      parts.push(h("button.crumb", { onclick: () => this.handlers.crumb(i), title: c.node }, c.label));
    });
    parts.push(h("span.sep", {}, "›"), h("span.crumb.current", {}, viewName));
    setChildren(this.crumbs, ...parts);
  }

  /** Grouping choices: the fixed ones plus "label:<key>" for label keys the nodes carry. */
  setGroups(current: string | null, labelKeys: string[]): void {
    const keys = [...new Set(labelKeys)].sort();
    if (keys.join() === this.labelKeys.join() && this.group.options.length && this.group.value === (current ?? "")) return;
    this.labelKeys = keys;
    const opts = [...GROUPS, ...keys.map((k) => [`label:${k}`, `By label ${k}`] as [string, string])];
    if (current && !opts.some(([v]) => v === current)) opts.push([current, current]);
    setChildren(this.group, ...opts.map(([v, l]) => h("option", { value: v, selected: v === (current ?? "") }, l)));
    this.group.value = current ?? "";
  }

  setSizes(current: string | null, nodes: NodeSummary[]): void {
    const metrics = new Map<string, string>();
    for (const n of nodes) for (const m of n.metrics ?? []) if (!metrics.has(m.id)) metrics.set(m.id, m.label ?? m.id);
    const key = JSON.stringify([current, [...metrics]]);
    if (key === this.metricsKey) return;
    this.metricsKey = key;
    const opts: [string, string][] = [["", "Uniform"], ["connections", "Connections"],
      ...[...metrics].map(([id, label]) => [id, label] as [string, string])];
    if (current && !opts.some(([v]) => v === current)) opts.push([current, current]);
    setChildren(this.size, ...opts.map(([v, l]) => h("option", { value: v }, l)));
    this.size.value = current ?? "";
  }
}
