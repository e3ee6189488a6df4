// Formatting of metric values and metadata, following Scope's formatters (client/.../string-utils.js):
// percent and number with two decimals below 1100, file sizes in binary units, integers plain.

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

export function formatBytes(value: number): string {
  if (!Number.isFinite(value)) return "–";
  let v = Math.abs(value);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 1 : 0);
  return `${value < 0 ? "-" : ""}${s} ${UNITS[i]}`;
}

function large(value: number): string {
  const abs = Math.abs(value);
  for (const [div, suffix] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]] as const) {
    if (abs >= div) return `${(value / div).toFixed(abs / div < 10 ? 2 : 1)}${suffix}`;
  }
  return value.toFixed(0);
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value < 1100 && value >= 0 ? value.toFixed(2).replace(/\.00$/, "") : large(value);
}

/** A metric value in its template's format ("percent", "filesize", "integer", or none). */
export function formatMetric(value: number, format?: string): string {
  switch (format) {
    case "percent":
      return `${formatNumber(value)}%`;
    case "filesize":
      return formatBytes(value);
    case "integer":
      return value < 1100 && value >= 0 ? value.toFixed(0) : large(value);
    default:
      return formatNumber(value);
  }
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function formatAgo(date: Date, now = Date.now()): string {
  const s = (now - date.getTime()) / 1000;
  return s < 1 ? "just now" : `${formatDuration(s)} ago`;
}

/** A metadata row's value as Scope shows it, by its dataType (and byte counts, by an ID ending in `_bytes`). */
export function formatMetadata(value: string, dataType?: string, truncate?: number, id?: string): string {
  if (id?.endsWith("_bytes") && /^\d+$/.test(value)) return formatBytes(Number(value));
  switch (dataType) {
    case "duration": {
      const n = Number(value);
      return Number.isFinite(n) ? formatDuration(n) : value;
    }
    case "datetime": {
      const d = new Date(value);
      return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
    }
    default:
      return truncate && value.length > truncate ? value.slice(0, truncate) : value;
  }
}

/** True if a metric's max is a real limit worth a percentage: memory (a container's limit, a host's RAM), open
 * files (the rlimit), CPU beyond one core's 100%. Other metrics' max is only the window's largest sample, and
 * "unlimited" rlimits are huge sentinels. */
export function meaningfulMax(id: string, format: string | undefined, max: number | undefined, value: number):
  max is number {
  if (max === undefined || !Number.isFinite(max) || max <= 0 || max >= 1e17 || max < value) return false;
  if (format === "percent") return max > 100;
  return /mem|open_files|file_descriptors/.test(id);
}
