// Modal confirmation and prompt dialogs (native <dialog>, so focus and Escape behave), and transient toasts.

import { h } from "./dom";

/** Ask before a destructive action; resolves true only on the confirm button. */
export function confirmDialog(title: string, message: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h("button.danger", { type: "submit", value: "ok", "data-test": "confirm-ok" }, confirmLabel);
    const dlg = h("dialog.modal", { "data-test": "confirm" },
      h("form", { method: "dialog" },
        h("h3", {}, title),
        h("p", {}, message),
        h("div.actions", {}, h("button", { type: "submit", value: "cancel" }, "Cancel"), ok)));
    dlg.addEventListener("close", () => {
      resolve(dlg.returnValue === "ok");
      dlg.remove();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    ok.focus();
  });
}

/** Ask for a line of text; null on cancel. */
export function promptDialog(title: string, label: string, initial = "", secret = false): Promise<string | null> {
  return new Promise((resolve) => {
    const input = h("input", { type: secret ? "password" : "text", value: initial, "aria-label": label,
      autocomplete: "off" });
    const dlg = h("dialog.modal", {},
      h("form", { method: "dialog" },
        h("h3", {}, title),
        h("label", {}, label, input),
        h("div.actions", {}, h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel"),
          h("button.primary", { type: "submit", value: "ok" }, "OK"))));
    dlg.addEventListener("close", () => {
      resolve(dlg.returnValue === "ok" ? input.value : null);
      dlg.remove();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    input.focus();
    input.select();
  });
}

let toasts: HTMLElement | null = null;

/** A message in the corner that goes away by itself. */
export function toast(message: string, kind: "info" | "error" | "ok" = "info", ms = 4000): void {
  if (!toasts) {
    toasts = h("div.toasts", { role: "status", "aria-live": "polite" });
    document.body.appendChild(toasts);
  }
  const t = h(`div.toast.${kind}`, {}, message);
  toasts.appendChild(t);
  setTimeout(() => t.remove(), ms);
}
