// The call-stack view's keyboard model: which rows are visible, which one is
// selected, and what Up/Down/Left/Right/Enter/Space (with Alt for a whole
// subtree) do. A pure reducer over an Outline, so it is tested without a DOM.
//
// Keys are stable strings (a path of frame identities), so a rebuilt tree
// (options changed) keeps what the reader opened and selected.

export type OutlineKind = "node" | "group";

/** What the reducer needs to know about the tree it walks. */
export interface Outline<K> {
  roots(): readonly K[];
  /** Rows shown below `key` when it is open. May depend on which group
   * headers are open (a closed group's hidden frames are skipped). */
  children(key: K, isOpen: (k: K) => boolean): readonly K[];
  /** Whether `key` can be opened: a node with children, or a group header. */
  expandable(key: K): boolean;
  /** Open state before the reader touched it. */
  defaultOpen(key: K): boolean;
  /** "group" for a "N frames hidden" header; Alt leaves those alone. */
  kind(key: K): OutlineKind;
}

export interface OutlineState<K> {
  selected: K | null;
  /** The reader's choices; keys not in it use Outline.defaultOpen. */
  open: ReadonlyMap<K, boolean>;
}

export interface Row<K> {
  key: K;
  depth: number;
  /** Index of the parent row in the row list, -1 for roots. */
  parent: number;
}

export type OutlineAction<K> =
  | { type: "up" }
  | { type: "down" }
  | { type: "home" }
  | { type: "end" }
  | { type: "pageUp"; rows: number }
  | { type: "pageDown"; rows: number }
  | { type: "left"; all?: boolean }
  | { type: "right"; all?: boolean }
  | { type: "toggle"; key?: K; all?: boolean }
  | { type: "select"; key: K };

/** Rows hidden below this many are not produced (the view says so). */
export const MAX_ROWS = 200_000;

export function isOpen<K>(outline: Outline<K>, state: OutlineState<K>, key: K): boolean {
  if (!outline.expandable(key)) return false;
  const choice = state.open.get(key);
  return choice ?? outline.defaultOpen(key);
}

/** The visible rows in display order, depth-first, iteratively (a recorded
 * stack may be deeper than the JS call stack). */
export function visibleRows<K>(outline: Outline<K>, state: OutlineState<K>, limit = MAX_ROWS): Row<K>[] {
  const rows: Row<K>[] = [];
  const open = (k: K) => isOpen(outline, state, k);
  const stack: Row<K>[] = [];
  const roots = outline.roots();
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ key: roots[i], depth: 0, parent: -1 });
  while (stack.length > 0 && rows.length < limit) {
    const row = stack.pop()!;
    const index = rows.length;
    rows.push(row);
    if (open(row.key)) {
      const kids = outline.children(row.key, open);
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ key: kids[i], depth: row.depth + 1, parent: index });
    }
  }
  return rows;
}

function setOpen<K>(state: OutlineState<K>, changes: Iterable<[K, boolean]>): OutlineState<K> {
  const open = new Map(state.open);
  for (const [k, v] of changes) open.set(k, v);
  return { ...state, open };
}

/** `key` and every node below it (through everything, opened or not), for
 * Alt: group headers keep their state and are not listed. */
function subtree<K>(outline: Outline<K>, state: OutlineState<K>, key: K, limit = 100_000): K[] {
  const out: K[] = [];
  const openForWalk = (k: K) => (outline.kind(k) === "group" ? isOpen(outline, state, k) : true);
  const stack: K[] = [key];
  while (stack.length > 0 && out.length < limit) {
    const k = stack.pop()!;
    if (outline.kind(k) === "node" && outline.expandable(k)) out.push(k);
    if (outline.expandable(k) && openForWalk(k)) {
      for (const child of outline.children(k, openForWalk)) stack.push(child);
    }
  }
  return out;
}

function setSubtree<K>(outline: Outline<K>, state: OutlineState<K>, key: K, value: boolean): OutlineState<K> {
  if (outline.kind(key) === "group") return setOpen(state, [[key, value]]);
  return setOpen(
    state,
    subtree(outline, state, key).map((k) => [k, value] as [K, boolean]),
  );
}

export function outlineReducer<K>(
  outline: Outline<K>,
  state: OutlineState<K>,
  action: OutlineAction<K>,
  rows: readonly Row<K>[] = visibleRows(outline, state),
): OutlineState<K> {
  if (action.type === "select") return { ...state, selected: action.key };
  if (action.type === "toggle" && action.key !== undefined) {
    const key = action.key;
    if (!outline.expandable(key)) return { ...state, selected: key };
    const next = !isOpen(outline, state, key);
    const changed = action.all ? setSubtree(outline, state, key, next) : setOpen(state, [[key, next]]);
    return { ...changed, selected: key };
  }
  if (rows.length === 0) return state;
  let index = state.selected === null ? -1 : rows.findIndex((r) => r.key === state.selected);
  const select = (i: number) => ({ ...state, selected: rows[Math.max(0, Math.min(rows.length - 1, i))].key });
  if (index < 0) {
    // Nothing (or a row that is no longer visible) selected: any move
    // starts at the top.
    if (action.type === "end") return select(rows.length - 1);
    return select(0);
  }
  const row = rows[index];
  const key = row.key;
  switch (action.type) {
    case "up":
      return select(index - 1);
    case "down":
      return select(index + 1);
    case "home":
      return select(0);
    case "end":
      return select(rows.length - 1);
    case "pageUp":
      return select(index - Math.max(1, action.rows));
    case "pageDown":
      return select(index + Math.max(1, action.rows));
    case "right": {
      if (!outline.expandable(key)) return state;
      if (action.all) return setSubtree(outline, state, key, true);
      if (!isOpen(outline, state, key)) return setOpen(state, [[key, true]]);
      // Already open: step onto its first child.
      const next = rows[index + 1];
      return next !== undefined && next.parent === index ? select(index + 1) : state;
    }
    case "left": {
      if (outline.expandable(key) && isOpen(outline, state, key)) {
        return action.all ? setSubtree(outline, state, key, false) : setOpen(state, [[key, false]]);
      }
      if (action.all && outline.expandable(key)) return setSubtree(outline, state, key, false);
      return row.parent >= 0 ? select(row.parent) : state;
    }
    case "toggle": {
      if (!outline.expandable(key)) return state;
      const next = !isOpen(outline, state, key);
      return action.all ? setSubtree(outline, state, key, next) : setOpen(state, [[key, next]]);
    }
  }
}

/** The action for a keydown, or null for keys the tree does not handle. */
export function keyToAction<K>(key: string, altKey: boolean, pageRows = 20): OutlineAction<K> | null {
  switch (key) {
    case "ArrowUp":
      return { type: "up" };
    case "ArrowDown":
      return { type: "down" };
    case "ArrowLeft":
      return { type: "left", all: altKey };
    case "ArrowRight":
      return { type: "right", all: altKey };
    case "Enter":
    case " ":
    case "Spacebar":
      return { type: "toggle", all: altKey };
    case "Home":
      return { type: "home" };
    case "End":
      return { type: "end" };
    case "PageUp":
      return { type: "pageUp", rows: pageRows };
    case "PageDown":
      return { type: "pageDown", rows: pageRows };
    default:
      return null;
  }
}
