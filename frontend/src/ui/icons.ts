// Control icons. Controls name FontAwesome classes ("fa fa-pause"); the UI bundles no icon font, so the common
// ones map to small inline SVG paths (24x24 viewBox) and anything else gets a generic glyph.

import { svg } from "./dom";

const PATHS: Record<string, string> = {
  terminal: "M3 5h18v14H3z M6 9l3 3-3 3 M11 15h6",
  pause: "M7 5h3v14H7z M14 5h3v14h-3z",
  play: "M7 4l13 8-13 8z",
  stop: "M6 6h12v12H6z",
  redo: "M20 12a8 8 0 1 1-2.3-5.7 M20 4v5h-5",
  refresh: "M20 12a8 8 0 1 1-2.3-5.7 M20 4v5h-5",
  trash: "M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13",
  "trash-alt": "M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13",
  times: "M6 6l12 12 M18 6L6 18",
  desktop: "M3 4h18v12H3z M8 20h8 M12 16v4",
  "file-alt": "M6 3h9l4 4v14H6z M9 11h7 M9 15h7",
  "align-justify": "M4 6h16 M4 10h16 M4 14h16 M4 18h16",
  list: "M8 6h12 M8 12h12 M8 18h12 M4 6h.01 M4 12h.01 M4 18h.01",
  search: "M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14 M16 16l5 5",
  camera: "M4 8h4l2-3h4l2 3h4v11H4z M12 10a3.5 3.5 0 1 0 0 7a3.5 3.5 0 1 0 0-7",
  clone: "M8 8h12v12H8z M4 4h12v2 M4 4v12h2",
  "arrows-alt-v": "M12 3v18 M8 7l4-4 4 4 M8 17l4 4 4-4",
  "sort-numeric-up": "M12 3v18 M8 7l4-4 4 4",
  ban: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18 M6 6l12 12",
  "check-circle": "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18 M8 12l3 3 5-6",
  plus: "M12 5v14 M5 12h14",
  minus: "M5 12h14",
  expand: "M4 9V4h5 M20 9V4h-5 M4 15v5h5 M20 15v5h-5",
  cog: "M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8 M12 2v3 M12 19v3 M2 12h3 M19 12h3",
};
const GENERIC = "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18 M12 8v5 M12 16h.01";

/** An SVG icon for a FontAwesome class string or a bare name. */
export function icon(name: string | undefined, title?: string): SVGSVGElement {
  const key = (name ?? "").split(/\s+/).map((c) => c.replace(/^fa-/, "")).filter((c) => c !== "fa" && c !== "fas")
    .find((c) => c in PATHS);
  const el = svg("svg", { viewBox: "0 0 24 24", width: 16, height: 16, class: "icon", "aria-hidden": "true" },
    svg("path", { d: key ? PATHS[key] : GENERIC }));
  if (title) el.appendChild(Object.assign(svg("title"), { textContent: title }));
  return el;
}
