// A sparkline of a metric's samples: a tiny SVG (no chart library), with the current value, its trend over the
// window, and where the metric has a real limit, the share of that limit used.

import type { MetricRow } from "../api/types";
import { formatMetric, meaningfulMax } from "../domain/format";
import { h, svg } from "./dom";

const W = 120;
const H = 28;

export function sparkline(metric: MetricRow): HTMLElement {
  const samples = (metric.samples ?? []).filter((s) => Number.isFinite(s.value));
  const values = samples.map((s) => s.value);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "spark", "aria-hidden": "true" });
  if (values.length > 1) {
    const times = samples.map((s) => Date.parse(s.date));
    const t0 = times[0];
    const t1 = times[times.length - 1];
    const lo = Math.min(...values, metric.min ?? Infinity);
    const hi = Math.max(...values);
    const span = hi - lo || 1;
    const x = (i: number) => (t1 > t0 ? ((times[i] - t0) / (t1 - t0)) : i / (values.length - 1)) * (W - 4) + 2;
    const y = (v: number) => H - 3 - ((v - lo) / span) * (H - 6);
    const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    chart.appendChild(svg("polygon", { points: `2,${H} ${pts.join(" ")} ${x(values.length - 1).toFixed(1)},${H}`,
      class: "spark-area" }));
    chart.appendChild(svg("polyline", { points: pts.join(" "), class: "spark-line" }));
    const last = values.length - 1;
    chart.appendChild(svg("circle", { cx: x(last).toFixed(1), cy: y(values[last]).toFixed(1), r: 2,
      class: "spark-dot" }));
  }
  const value = formatMetric(metric.value, metric.format);
  const t = trend(values);
  const parts: (HTMLElement | SVGElement)[] = [
    h("span.metric-label", {}, metric.label ?? metric.id),
    chart,
    h("span.metric-value", { title: `min ${formatMetric(Math.min(...values, metric.value), metric.format)}, ` +
      `max ${formatMetric(Math.max(...values, metric.value), metric.format)} over the window` }, value),
    h(`span.trend.${t}`, { title: `trend over the window: ${t}` }, t === "up" ? "↗" : t === "down" ? "↘" : "→"),
  ];
  if (meaningfulMax(metric.id, metric.format, metric.max, metric.value)) {
    const pct = (metric.value / metric.max) * 100;
    parts.push(h("span.limit", { title: `of ${formatMetric(metric.max, metric.format)}` },
      h("span.bar", {}, h("span.fill", { style: `width:${Math.min(100, pct).toFixed(1)}%` })),
      `${pct < 0.1 ? "<0.1" : pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}% of ${formatMetric(metric.max, metric.format)}`));
  }
  return h("div.metric", { "data-metric": metric.id }, ...parts);
}

/** Up or down if the last third of the window differs from the first third by more than 10% of the range. */
export function trend(values: number[]): "up" | "down" | "flat" {
  if (values.length < 3) return "flat";
  const third = Math.max(1, Math.floor(values.length / 3));
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const first = mean(values.slice(0, third));
  const last = mean(values.slice(-third));
  const range = Math.max(...values) - Math.min(...values);
  if (range === 0 || Math.abs(last - first) < range * 0.1) return "flat";
  return last > first ? "up" : "down";
}
