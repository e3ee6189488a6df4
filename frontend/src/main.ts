// Entry point: adopt a `?token=` link, then start the app on the page.

import { adoptTokenFromUrl } from "./api/auth";
import { App } from "./app/app";
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/panels.css";
import "./styles/dock.css";

adoptTokenFromUrl();
const mount = document.getElementById("app");
if (mount) {
  // Exposed for tests and debugging in the console (read-only use).
  (window as unknown as { scope: App }).scope = new App(mount);
}
