// Running controls: confirmation for destructive ones, then what the probe answered: an error, a pipe (a
// terminal; the logs viewer for logs controls; a read-only text viewer for a document such as
// kubernetes_describe's YAML), a removed node, or plain success.

import { ApiError, api } from "../api/client";
import type { BatchResult, Control, ControlResult } from "../api/types";
import { confirmDialog } from "../ui/dialog";

/** Controls whose pipe is a log stream, not a terminal. */
export const LOG_CONTROLS = new Set(["docker_get_logs", "kubernetes_get_logs"]);
/** Controls whose pipe carries a document to read (the object as YAML), not a terminal: nothing to type in. */
export const TEXT_CONTROLS = new Set(["kubernetes_describe"]);

export type PipeKind = "terminal" | "logs" | "text";

/** How a control's pipe is shown. */
export function pipeKind(control: string): PipeKind {
  return LOG_CONTROLS.has(control) ? "logs" : TEXT_CONTROLS.has(control) ? "text" : "terminal";
}

// Controls that lose work or availability; Scope's `confirmation` text, when a control has one, is used too.
const DESTRUCTIVE = /(stop|remove|delete|kill|restart|destroy|cordon|drain|scale_down)/;

/** Controls that only make sense on one node at a time (they open a pipe). */
export function isPipeControl(id: string): boolean {
  return LOG_CONTROLS.has(id) || TEXT_CONTROLS.has(id) || /(exec|attach|logs|describe|terminal|shell)/.test(id);
}

export function isDestructive(c: Pick<Control, "id" | "confirmation">): boolean {
  return !!c.confirmation || DESTRUCTIVE.test(c.id);
}

/** Arguments a control is sent with. Logs: the last lines with timestamps, then follow (our probes take them
 * for pods too; Scope's ignores them). Values are strings: Scope probes take ControlArgs as map[string]string. */
export function argsFor(control: string): Record<string, string> {
  if (LOG_CONTROLS.has(control)) return { tail: "2000", timestamps: "true", follow: "true" };
  return {};
}

export interface PipeOpen {
  pipeId: string;
  control: Control;
  title: string;
  rawTty: boolean;
  resizeControl: string | null;
  kind: PipeKind;
}

export interface ControlOutcome {
  ok: boolean;
  message: string;
  pipe?: PipeOpen;
  removed?: string;
}

/** Ask (if destructive), run, and interpret. Null if the user cancelled. */
export async function runControl(control: Control, nodeLabel: string): Promise<ControlOutcome | null> {
  if (isDestructive(control)) {
    const ok = await confirmDialog(`${control.human} ${nodeLabel}?`,
      control.confirmation || `This runs “${control.human}” on ${nodeLabel}.`, control.human);
    if (!ok) return null;
  }
  let result: ControlResult;
  try {
    result = await api.control(control.probeId, control.nodeId, control.id, argsFor(control.id));
  } catch (e) {
    return { ok: false, message: `${control.human} failed: ${e instanceof ApiError ? e.message : String(e)}` };
  }
  return interpret(control, nodeLabel, result);
}

export function interpret(control: Control, nodeLabel: string, result: ControlResult): ControlOutcome {
  if (result.error) return { ok: false, message: `${control.human} failed: ${result.error}` };
  if (result.pipe) {
    const kind = pipeKind(control.id);
    const what = { logs: ["logs", `Streaming logs of ${nodeLabel}`], text: [control.human.toLowerCase(),
      `${control.human}: opened`], terminal: ["", `${control.human}: terminal opened`] }[kind];
    return {
      ok: true, message: what[1],
      pipe: {
        pipeId: result.pipe, control, title: what[0] ? `${nodeLabel} ${what[0]}` : nodeLabel,
        rawTty: !!result.raw_tty, resizeControl: result.resize_tty_control || null, kind,
      },
    };
  }
  if (result.removedNode) return { ok: true, message: `${control.human}: done (node removed)`, removed: result.removedNode };
  return { ok: true, message: `${control.human}: done` };
}

/** One control on many nodes (POST /api/controls); a summary and the per-node failures. */
export async function runBatch(controlId: string, human: string, targets: { probe: string; node: string }[]):
  Promise<{ ok: number; failed: BatchResult[]; message: string }> {
  try {
    const { results } = await api.batch(controlId, targets, argsFor(controlId));
    const failed = results.filter((r) => r.status !== 200 || r.error);
    const ok = results.length - failed.length;
    return { ok, failed, message: `${human}: ${ok} done${failed.length ? `, ${failed.length} failed` : ""}` };
  } catch (e) {
    return { ok: 0, failed: [], message: `${human} failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
