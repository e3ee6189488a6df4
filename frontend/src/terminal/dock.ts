// The dock under the map: terminals, log viewers and documents (a described object) in tabs, several nodes at
// once. Terminal and log tabs are remembered in sessionStorage and re-attached after a reload while their pipes
// live; a document is not (the app delivered it once: a re-attached tab would be empty).

import { api } from "../api/client";
import { LogsViewer } from "../logs/viewer";
import { h } from "../ui/dom";
import { icon } from "../ui/icons";
import { forgetPipe, loadPipes, rememberPipe, type SavedPipe } from "./sessions";
import { TerminalSession } from "./terminal";

type Session = TerminalSession | LogsViewer;

interface Tab { info: SavedPipe; session: Session; tab: HTMLElement; pane: HTMLElement }

export class Dock {
  readonly el: HTMLElement;
  private readonly tabsEl: HTMLElement;
  private readonly panes: HTMLElement;
  private tabs: Tab[] = [];
  private active: Tab | null = null;
  private minimized = false;

  constructor() {
    this.tabsEl = h("div.dock-tabs", { role: "tablist" });
    this.panes = h("div.dock-panes");
    const minimize = h("button.icon-button", { title: "Minimise", "aria-label": "Minimise terminals",
      onclick: () => this.setMinimized(!this.minimized) }, icon("minus"));
    this.el = h("section.dock", { hidden: true, "data-test": "dock" },
      h("div.dock-head", {}, this.tabsEl, h("span.spacer"), minimize), this.panes);
    window.addEventListener("pagehide", () => this.tabs.forEach((t) => t.session.detach()));
  }

  /** Re-attach to the pipes this tab had open before a reload, if the app still holds them. */
  async restore(): Promise<void> {
    for (const p of loadPipes()) {
      let alive = false;
      try {
        alive = await api.pipeAlive(p.pipeId);
      } catch {
        alive = false;
      }
      if (alive) this.open(p, false);
      else forgetPipe(p.pipeId);
    }
  }

  open(info: SavedPipe, focus = true): void {
    const existing = this.tabs.find((t) => t.info.pipeId === info.pipeId);
    if (existing) {
      this.activate(existing);
      return;
    }
    if (info.kind !== "text") rememberPipe(info);
    const onEnd = () => {
      forgetPipe(info.pipeId);
      tab.tab.classList.add("ended");
    };
    const session: Session = info.kind === "terminal" ? new TerminalSession(info, onEnd) : new LogsViewer(info, onEnd);
    const pane = h("div.dock-pane", { role: "tabpanel" }, session.el);
    const tabEl = h("div.dock-tab", { role: "tab", "data-test": "dock-tab", title: info.title },
      icon(info.kind === "terminal" ? "terminal" : "file-alt"), h("span.tab-title", {}, info.title),
      h("button.icon-button.tab-close", { "aria-label": `Close ${info.title}`, title: "Close (ends the session)" },
        icon("times")));
    const tab: Tab = { info, session, tab: tabEl, pane };
    tabEl.addEventListener("click", (e) => {
      if ((e.target as HTMLElement).closest(".tab-close")) void this.close(tab);
      else this.activate(tab);
    });
    this.tabs.push(tab);
    this.tabsEl.appendChild(tabEl);
    this.panes.appendChild(pane);
    this.el.hidden = false;
    this.setMinimized(false);
    this.activate(tab, focus);
  }

  private activate(tab: Tab, focus = true): void {
    this.active = tab;
    for (const t of this.tabs) {
      const on = t === tab;
      t.tab.classList.toggle("active", on);
      t.tab.setAttribute("aria-selected", String(on));
      t.pane.hidden = !on;
    }
    this.setMinimized(false);
    requestAnimationFrame(() => {
      tab.session.fit();
      if (focus) tab.session.focus();
    });
  }

  private setMinimized(min: boolean): void {
    this.minimized = min;
    this.el.classList.toggle("minimized", min);
    if (!min && this.active) requestAnimationFrame(() => this.active?.session.fit());
    window.dispatchEvent(new Event("resize")); // the map above changes height
  }

  private async close(tab: Tab): Promise<void> {
    this.tabs = this.tabs.filter((t) => t !== tab);
    tab.tab.remove();
    tab.pane.remove();
    forgetPipe(tab.info.pipeId);
    if (this.active === tab) {
      this.active = null;
      const next = this.tabs[this.tabs.length - 1];
      if (next) this.activate(next);
    }
    if (!this.tabs.length) this.el.hidden = true;
    window.dispatchEvent(new Event("resize"));
    await tab.session.close();
  }
}
