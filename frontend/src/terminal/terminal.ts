// A terminal on a pipe (host shell, container exec or attach): xterm.js, keystrokes to the pipe, output from it.
// Resizes go to the probe as the control the pipe's reply named (`resize_tty_control`, e.g. host_resize_exec_tty,
// docker_resize_exec_tty) with {pipeID, height, width}, as Scope's UI does. Copy/paste: Ctrl+Shift+C/V, or the
// buttons (Ctrl+C stays the shell's interrupt).

import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";

import { api } from "../api/client";
import { PipeSocket } from "../api/pipe";
import { copyText, h } from "../ui/dom";
import type { SavedPipe } from "./sessions";

export class TerminalSession {
  readonly el: HTMLElement;
  private readonly term: Terminal;
  private readonly fitter = new FitAddon();
  private readonly pipe: PipeSocket;
  private readonly state: HTMLElement;
  private readonly observer: ResizeObserver;
  private resizeTimer: number | undefined;
  private sentSize = "";
  ended = false;

  constructor(readonly info: SavedPipe, private readonly onEnd: () => void) {
    this.state = h("span.term-state", {}, "connecting…");
    const screen = h("div.term-screen");
    this.el = h("div.terminal", { "data-test": "terminal", "data-pipe": info.pipeId },
      h("div.term-bar", {}, this.state, h("span.spacer"),
        h("button.ghost", { onclick: () => void this.copy(), title: "Copy the selection (Ctrl+Shift+C)" }, "Copy"),
        h("button.ghost", { onclick: () => void this.paste(), title: "Paste (Ctrl+Shift+V)" }, "Paste")),
      screen);
    this.term = new Terminal({
      convertEol: !info.rawTty, // a pipe without a TTY sends bare \n
      cursorBlink: true,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13,
      scrollback: 5000,
      theme: { background: "#0f1720", foreground: "#d8dee9" },
    });
    this.term.loadAddon(this.fitter);
    this.term.open(screen);
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.type !== "keydown" || !e.ctrlKey || !e.shiftKey) return true;
      if (e.code === "KeyC") {
        void this.copy();
        return false;
      }
      if (e.code === "KeyV") {
        void this.paste();
        return false;
      }
      return true;
    });
    this.term.onData((d) => this.pipe.send(d));
    this.term.onBinary((d) => this.pipe.send(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
    this.pipe = new PipeSocket(info.pipeId, {
      data: (bytes) => this.term.write(bytes),
      open: () => {
        this.state.textContent = "connected";
        this.state.className = "term-state ok";
        this.sentSize = "";
        this.fit();
      },
      end: (reason) => this.finish(reason),
      taken: () => {
        this.state.replaceChildren("attached in another window ",
          h("button.ghost", { onclick: () => this.pipe.reattach() }, "Take back"));
        this.state.className = "term-state warn";
      },
    });
    this.observer = new ResizeObserver(() => this.fit());
    this.observer.observe(screen);
  }

  focus(): void {
    this.term.focus();
  }

  /** Fit to the tab and tell the probe (debounced: dragging a window edge sends one resize, not fifty). */
  fit(): void {
    if (!this.el.isConnected || this.el.offsetParent === null) return;
    try {
      this.fitter.fit();
    } catch {
      return; // not laid out yet
    }
    window.clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => void this.sendSize(), 150);
  }

  private async sendSize(): Promise<void> {
    const { rows, cols } = this.term;
    const size = `${rows}x${cols}`;
    if (!this.info.resizeControl || size === this.sentSize || !this.pipe.attached) return;
    this.sentSize = size;
    try {
      await api.control(this.info.probeId, this.info.nodeId, this.info.resizeControl,
        { pipeID: this.info.pipeId, height: String(rows), width: String(cols) });
    } catch {
      this.sentSize = ""; // try again on the next resize
    }
  }

  private async copy(): Promise<void> {
    if (this.term.hasSelection()) await copyText(this.term.getSelection());
    this.term.focus();
  }

  private async paste(): Promise<void> {
    try {
      const text = await navigator.clipboard.readText();
      if (text) this.term.paste(text);
    } catch {
      // Clipboard read refused (plain http or no permission): the browser's own paste (Ctrl+V into the
      // terminal, or the context menu) still works through xterm.
    }
    this.term.focus();
  }

  private finish(reason: string): void {
    this.ended = true;
    this.state.textContent = reason;
    this.state.className = "term-state ended";
    this.term.write(`\r\n\x1b[2m[${reason}]\x1b[0m\r\n`);
    this.onEnd();
  }

  /** Close the tab: ends the shell on the probe. */
  async close(): Promise<void> {
    this.observer.disconnect();
    await this.pipe.close();
    this.term.dispose();
  }

  /** Leave the page: the pipe stays open for a reattach. */
  detach(): void {
    this.pipe.detach();
  }
}
