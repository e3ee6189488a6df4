// Log levels detected in log lines: the usual words (ERROR, warn, level=info, [DEBUG]), klog's one-letter
// prefixes (E1204 12:00:00.000), and JSON "level" fields. Lines without one are "other".

export const LEVELS = ["error", "warn", "info", "debug", "other"] as const;
export type Level = (typeof LEVELS)[number];

const WORDS: [RegExp, Level][] = [
  [/\b(fatal|panic|crit(ical)?|emerg(ency)?|alert|err(or)?|severe|exception)\b/i, "error"],
  [/\b(warn(ing)?)\b/i, "warn"],
  [/\b(info|notice)\b/i, "info"],
  [/\b(debug|trace|verbose|fine)\b/i, "debug"],
];
const KLOG = /^(?:\S+\s)?([EWID])\d{4} \d\d:\d\d:\d\d/;
const KLOG_LEVEL: Record<string, Level> = { E: "error", W: "warn", I: "info", D: "debug" };
const FIELD = /\b(?:level|lvl|severity)["']?\s*[=:]\s*["']?(\w+)/i;

export function detectLevel(line: string): Level {
  const head = line.length > 400 ? line.slice(0, 400) : line;
  const field = FIELD.exec(head);
  if (field) {
    const l = wordLevel(field[1]);
    if (l) return l;
  }
  const k = KLOG.exec(head);
  if (k) return KLOG_LEVEL[k[1]];
  return wordLevel(head) ?? "other";
}

function wordLevel(text: string): Level | null {
  for (const [re, level] of WORDS) if (re.test(text)) return level;
  return null;
}

// Docker's and Kubernetes' `timestamps=true` prefix: RFC 3339 with nanoseconds, then one space. A pod's log of
// several containers has each line prefixed by its container (`[nginx] `) before the timestamp.
const TIMESTAMP = /^(\[[^\]\s]+\] )?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/** Split a leading timestamp off a line: [timestamp or "", rest] (a container prefix stays with the rest). */
export function splitTimestamp(line: string): [string, string] {
  const m = TIMESTAMP.exec(line);
  return m ? [m[2], (m[1] ?? "") + line.slice(m[0].length)] : ["", line];
}
