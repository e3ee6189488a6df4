// The live topology websocket: `/api/topology/<id>/ws?t=1s&<options>`. The first message is a reset with every
// node, then deltas. Reconnects by itself with exponential backoff and jitter; each reconnection starts with a
// reset again, so nothing is lost while it was down.

import { wsUrl } from "./client";
import type { Delta } from "./types";

export type StreamStatus = "connecting" | "live" | "reconnecting" | "closed";

export interface StreamHandlers {
  message: (delta: Delta) => void;
  status: (status: StreamStatus, detail?: string) => void;
}

const MIN_BACKOFF = 500;
const MAX_BACKOFF = 15000;

export class TopologyStream {
  private ws: WebSocket | null = null;
  private timer: number | undefined;
  private backoff = MIN_BACKOFF;
  private stopped = false;

  constructor(private readonly topology: string, private readonly options: Record<string, string>,
              private readonly handlers: StreamHandlers) {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.handlers.status(this.backoff === MIN_BACKOFF ? "connecting" : "reconnecting");
    const ws = new WebSocket(wsUrl(`/api/topology/${encodeURIComponent(this.topology)}/ws`,
      { t: "1s", ...this.options }));
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      let delta: Delta;
      try {
        delta = JSON.parse(ev.data) as Delta;
      } catch {
        return;
      }
      if (delta.reset) {
        this.backoff = MIN_BACKOFF;
        this.handlers.status("live");
      }
      this.handlers.message(delta);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      const wait = this.backoff * (0.75 + Math.random() * 0.5);
      this.backoff = Math.min(MAX_BACKOFF, this.backoff * 2);
      this.handlers.status("reconnecting", ev.reason || `retrying in ${Math.round(wait / 1000)} s`);
      this.timer = window.setTimeout(() => this.connect(), wait);
    };
  }

  /** Reconnect now (e.g. the network came back) instead of waiting out the backoff. */
  kick(): void {
    if (this.ws || this.stopped) return;
    window.clearTimeout(this.timer);
    this.connect();
  }

  close(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.close();
    }
    this.handlers.status("closed");
  }
}
