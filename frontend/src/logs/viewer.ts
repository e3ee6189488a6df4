// The logs viewer: a log stream from a pipe (docker_get_logs, kubernetes_get_logs), with search, level filter
// (levels detected in the lines), timestamps on or off, follow, and download. Lines live in a bounded buffer and
// only the lines in sight are in the DOM, so a chatty container does not slow the page.
// The same viewer shows a document sent on a pipe (kubernetes_describe's YAML, SavedPipe kind "text"): read from
// the top, searchable and downloadable, without levels, timestamps or following.

import { PipeSocket } from "../api/pipe";
import { detectLevel, LEVELS, splitTimestamp, type Level } from "../domain/levels";
import type { SavedPipe } from "../terminal/sessions";
import { download, h } from "../ui/dom";

const LINE_H = 18;
const MAX_LINES = 100_000;
const OVERSCAN = 20;

interface Line { ts: string; text: string; level: Level }

export class LogsViewer {
  readonly el: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly state: HTMLElement;
  private readonly counts = new Map<Level, HTMLElement>();
  private readonly followBox: HTMLInputElement;
  private readonly pipe: PipeSocket;
  private readonly decoder = new TextDecoder();
  private lines: Line[] = [];
  private dropped = 0;
  private partial = "";
  private shown: number[] = []; // indices into lines that pass the filters
  private pool: HTMLElement[] = [];
  private search: RegExp | null = null;
  private levels = new Set<Level>(LEVELS);
  private timestamps = true;
  private follow: boolean;
  private readonly document: boolean;
  private frame = 0;
  private levelCounts: Record<Level, number> = { error: 0, warn: 0, info: 0, debug: 0, other: 0 };
  ended = false;

  constructor(readonly info: SavedPipe, private readonly onEnd: () => void) {
    this.document = info.kind === "text";
    this.follow = !this.document;
    this.state = h("span.term-state", {}, "connecting…");
    const what = this.document ? "text" : "logs";
    const searchBox = h("input", { type: "search", placeholder: `Search ${what}`, "aria-label": `Search ${what}`,
      "data-test": "logs-search" });
    searchBox.addEventListener("input", () => {
      const q = searchBox.value;
      let re: RegExp | null = null;
      if (q) {
        try {
          re = new RegExp(q, "i");
        } catch {
          re = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
        }
      }
      this.search = re;
      this.refilter();
    });
    const levelBoxes = LEVELS.map((l) => {
      const box = h("input", { type: "checkbox", checked: true, "data-level": l });
      box.addEventListener("change", () => {
        if (box.checked) this.levels.add(l);
        else this.levels.delete(l);
        this.refilter();
      });
      const count = h("span.count", {}, "0");
      this.counts.set(l, count);
      return h(`label.level.${l}`, { title: `Show ${l} lines` }, box, l, count);
    });
    const tsBox = h("input", { type: "checkbox", checked: true, "data-test": "logs-timestamps" });
    tsBox.addEventListener("change", () => {
      this.timestamps = tsBox.checked;
      this.el.classList.toggle("no-ts", !this.timestamps);
    });
    this.followBox = h("input", { type: "checkbox", checked: true, "data-test": "logs-follow" });
    this.followBox.addEventListener("change", () => {
      this.follow = this.followBox.checked;
      if (this.follow) this.scrollToEnd();
    });
    this.spacer = h("div.lspacer");
    this.viewport = h("div.logs-lines", { tabindex: 0 }, this.spacer);
    this.viewport.addEventListener("scroll", () => {
      // Scrolling up stops following; back at the bottom resumes it.
      const atEnd = this.viewport.scrollTop + this.viewport.clientHeight >= this.viewport.scrollHeight - LINE_H;
      if (this.follow !== atEnd) {
        this.follow = atEnd;
        this.followBox.checked = atEnd;
      }
      this.schedule();
    });
    const downloadButton = h("button.ghost", { onclick: () => this.download(), "data-test": "logs-download" },
      "Download");
    this.el = h(this.document ? "div.logs.document" : "div.logs", {
      "data-test": this.document ? "text-viewer" : "logs", "data-pipe": info.pipeId },
      this.document ? h("div.term-bar.logs-bar", {}, this.state, searchBox, downloadButton) :
        h("div.term-bar.logs-bar", {}, this.state, searchBox, h("span.levels", {}, ...levelBoxes),
          h("label.check", { title: "Show timestamps" }, tsBox, "Timestamps"),
          h("label.check", { title: "Keep the newest line in view" }, this.followBox, "Follow"),
          downloadButton),
      this.viewport);
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
    this.pipe = new PipeSocket(info.pipeId, {
      data: (bytes) => this.receive(bytes),
      open: () => {
        this.state.textContent = this.document ? this.lineCount() : "streaming";
        this.state.className = "term-state ok";
      },
      end: (reason) => {
        this.flushPartial();
        this.ended = true;
        this.state.textContent = reason;
        this.state.className = "term-state ended";
        this.onEnd();
      },
      taken: () => {
        this.state.replaceChildren("open in another window ",
          h("button.ghost", { onclick: () => this.pipe.reattach() }, "Take back"));
        this.state.className = "term-state warn";
      },
    });
  }

  /** Every line received (raw, with timestamps), for tests and download. */
  get text(): string {
    return this.lines.map((l) => (l.ts ? `${l.ts} ${l.text}` : l.text)).join("\n");
  }

  focus(): void {
    this.viewport.focus();
  }

  fit(): void {
    this.schedule();
  }

  private receive(bytes: Uint8Array): void {
    const text = this.partial + this.decoder.decode(bytes, { stream: true });
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const raw of parts) this.add(raw.replace(/\r$/, ""));
    this.trim();
    this.schedule();
  }

  private flushPartial(): void {
    if (this.partial) this.add(this.partial);
    this.partial = "";
    this.schedule();
  }

  private add(raw: string): void {
    const [ts, text] = this.document ? ["", raw] : splitTimestamp(raw);
    const line: Line = { ts, text, level: this.document ? "other" : detectLevel(text) };
    this.levelCounts[line.level]++;
    this.lines.push(line);
    if (this.passes(line)) this.shown.push(this.lines.length - 1 + this.dropped);
  }

  /** Keep at most MAX_LINES; indices in `shown` are absolute (offset by what was dropped). */
  private trim(): void {
    const extra = this.lines.length - MAX_LINES;
    if (extra <= 0) return;
    for (const l of this.lines.slice(0, extra)) this.levelCounts[l.level]--;
    this.lines.splice(0, extra);
    this.dropped += extra;
    let i = 0;
    while (i < this.shown.length && this.shown[i] < this.dropped) i++;
    this.shown.splice(0, i);
  }

  private passes(l: Line): boolean {
    return this.levels.has(l.level) && (!this.search || this.search.test(l.text));
  }

  private refilter(): void {
    this.shown = [];
    this.lines.forEach((l, i) => {
      if (this.passes(l)) this.shown.push(i + this.dropped);
    });
    this.schedule();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.paint());
  }

  private scrollToEnd(): void {
    this.viewport.scrollTop = this.viewport.scrollHeight;
  }

  private lineCount(): string {
    return `${this.lines.length} line${this.lines.length === 1 ? "" : "s"}`;
  }

  private paint(): void {
    this.frame = 0;
    for (const l of LEVELS) this.counts.get(l)!.textContent = String(this.levelCounts[l]);
    if (this.document && this.pipe?.attached) this.state.textContent = this.lineCount();
    this.spacer.style.height = `${this.shown.length * LINE_H}px`;
    if (this.follow) this.scrollToEnd();
    const vh = this.viewport.clientHeight || 300;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / LINE_H) - OVERSCAN);
    const count = Math.max(0, Math.min(this.shown.length - first, Math.ceil(vh / LINE_H) + 2 * OVERSCAN));
    while (this.pool.length < count) {
      const row = h("div.lline", {}, h("span.ts"), h("span.msg"));
      this.viewport.appendChild(row);
      this.pool.push(row);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const row = this.pool[i];
      if (i >= count) {
        row.hidden = true;
        continue;
      }
      const line = this.lines[this.shown[first + i] - this.dropped];
      row.hidden = false;
      row.style.transform = `translateY(${(first + i) * LINE_H}px)`;
      row.className = `lline ${line.level}`;
      (row.firstChild as HTMLElement).textContent = line.ts;
      this.fillMessage(row.lastChild as HTMLElement, line.text);
    }
  }

  private fillMessage(el: HTMLElement, text: string): void {
    const m = this.search ? this.search.exec(text) : null;
    if (!m || !m[0]) {
      el.textContent = text;
      return;
    }
    el.replaceChildren(text.slice(0, m.index), h("mark", {}, m[0]), text.slice(m.index + m[0].length));
  }

  private download(): void {
    // A document is the object as YAML (kubernetes_describe, the only text control).
    const name = `${this.info.title.replace(/[^\w.-]+/g, "_")}-${new Date().toISOString().replace(/[:.]/g, "-")}` +
      (this.document ? ".yaml" : ".log");
    download(name, this.text + "\n");
  }

  async close(): Promise<void> {
    await this.pipe.close();
  }

  detach(): void {
    this.pipe.detach();
  }
}
