// Named saved filters in localStorage: each is the state's URL hash, so applying one is navigating to it and a
// saved filter can be shared as a link too.

const KEY = "scope.savedFilters";

export interface SavedFilter { name: string; hash: string }

export function loadSaved(): SavedFilter[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is SavedFilter =>
      typeof x?.name === "string" && typeof x?.hash === "string") : [];
  } catch {
    return [];
  }
}

function store(list: SavedFilter[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // storage full or disabled: saved filters are a convenience
  }
}

/** Save (or overwrite by name). */
export function saveFilter(name: string, hash: string): SavedFilter[] {
  const list = loadSaved().filter((f) => f.name !== name);
  list.push({ name, hash });
  list.sort((a, b) => a.name.localeCompare(b.name));
  store(list);
  return list;
}

export function deleteFilter(name: string): SavedFilter[] {
  const list = loadSaved().filter((f) => f.name !== name);
  store(list);
  return list;
}
