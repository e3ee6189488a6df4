// One end of a pipe (terminal or log stream): binary frames both ways over `/api/pipe/<id>`. A dropped websocket
// is re-attached as long as the app still holds the pipe (`/check` answers 204); otherwise the pipe has ended.

import { api, wsUrl } from "./client";

export interface PipeHandlers {
  data: (bytes: Uint8Array) => void;
  /** Attached (again). */
  open: () => void;
  /** The pipe is gone for good (the shell exited, the container stopped, the probe left). */
  end: (reason: string) => void;
  /** Another page attached to the pipe (the app keeps one browser per pipe); `reattach()` takes it back. */
  taken: () => void;
}

const RETRY_MS = 1500;

export class PipeSocket {
  private ws: WebSocket | null = null;
  private closed = false;
  private timer: number | undefined;
  private readonly encoder = new TextEncoder();

  constructor(readonly pipeId: string, private readonly handlers: PipeHandlers) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    const ws = new WebSocket(wsUrl(`/api/pipe/${encodeURIComponent(this.pipeId)}`));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => this.handlers.open();
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) this.handlers.data(new Uint8Array(ev.data));
      else if (typeof ev.data === "string") this.handlers.data(this.encoder.encode(ev.data));
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws || this.closed) return;
      this.ws = null;
      void this.afterClose(ev.code);
    };
  }

  private async afterClose(code: number): Promise<void> {
    let alive: boolean;
    try {
      alive = await api.pipeAlive(this.pipeId);
    } catch {
      alive = true; // the app is unreachable: keep trying, the pipe may still live there
    }
    if (this.closed) return;
    if (!alive) {
      this.closed = true;
      this.handlers.end("session ended");
      return;
    }
    if (code === 1000) {
      // A clean close of a living pipe: the app handed it to a newer page. Retrying would steal it back and
      // forth between the two, so wait to be asked.
      this.handlers.taken();
      return;
    }
    this.timer = window.setTimeout(() => this.connect(), RETRY_MS);
  }

  /** Attach again after another page took the pipe. */
  reattach(): void {
    if (this.closed || this.ws) return;
    this.connect();
  }

  get attached(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof data === "string" ? this.encoder.encode(data) : data);
  }

  /** Detach this page (the pipe lives on in the app until it idles out). */
  detach(): void {
    this.closed = true;
    window.clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
  }

  /** Detach and close the pipe in the app (ends the shell or log stream on the probe). */
  async close(): Promise<void> {
    this.detach();
    try {
      await api.closePipe(this.pipeId);
    } catch {
      // already gone
    }
  }
}
