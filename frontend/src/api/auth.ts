// The bearer token. Given once as `?token=` (a link an admin shares), kept in sessionStorage so it survives
// reloads of this tab but not the browser, and removed from the address bar so it is not copied along with the
// shareable URL. Websockets cannot set headers: they carry it as the `token` query parameter (scopeapp/auth.py).

const KEY = "scope.token";

/** Move `?token=` from the address bar into sessionStorage. */
export function adoptTokenFromUrl(): void {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  setToken(token);
  url.searchParams.delete("token");
  history.replaceState(history.state, "", url.toString());
}

export function token(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(value: string | null): void {
  try {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the token lives only as long as this page
  }
}

/** Headers for fetch. */
export function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}
