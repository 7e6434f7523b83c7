// The processed FrameTree as an Outline for the call-stack view: stable
// string keys (a path of frame ids, so a rebuilt tree keeps what was
// opened), "N frames hidden" group headers right below a group's root, and
// a closed group's hidden frames skipped (their visible descendants take
// their place, as in pyinstrument's page).

import { type FrameTree, NO_GROUP, NodeKind } from "../data/tree";
import type { Outline } from "./outline";

const GROUP_PREFIX = "g:";

export interface CallStackOutline extends Outline<string> {
  /** Tree node of a node key; -1 for group headers and unknown keys. */
  nodeOf(key: string): number;
  /** The group index of a group header key, or -1. */
  groupOf(key: string): number;
  keyOf(node: number): string;
}

/** Nodes open by default: at least this share of the root's time. */
export const DEFAULT_OPEN_SHARE = 0.02;

/** Per node: 1 when a strict descendant's frame matches `frameMask`. */
function descendantMatches(tree: FrameTree, frameMask: Uint8Array): Uint8Array {
  const below = new Uint8Array(tree.size);
  // Iterative postorder: children before their parent.
  const order: number[] = [];
  const stack = [tree.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of tree.children[node]) stack.push(child);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    for (const child of tree.children[node]) {
      const self = tree.kind[child] === NodeKind.Frame && frameMask[tree.frame[child]] === 1;
      if (self || below[child]) {
        below[node] = 1;
        break;
      }
    }
  }
  return below;
}

/**
 * `frameMask` (per frame id, 1 = matches the search) opens, by default,
 * every node and group that hides a match, so search results are on screen;
 * what the reader opened or closed still wins.
 */
export function callStackOutline(tree: FrameTree, frameMask: Uint8Array | null = null): CallStackOutline {
  const hidesMatch = frameMask === null ? null : descendantMatches(tree, frameMask);
  const keys = new Map<number, string>();
  const nodes = new Map<string, number>();
  const groupKeys = new Map<string, number>();
  const rootTotal = tree.totalNs[tree.root];

  const name = (node: number) =>
    tree.kind[node] === NodeKind.Self ? "s" : tree.kind[node] === NodeKind.Root ? "r" : String(tree.frame[node]);

  // Keys for a node's children, made unique among siblings.
  const assignChildren = (parent: number) => {
    const parentKey = keys.get(parent)!;
    const seen = new Map<string, number>();
    for (const child of tree.children[parent]) {
      const base = `${parentKey}/${name(child)}`;
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      const key = n === 0 ? base : `${base}#${n}`;
      keys.set(child, key);
      nodes.set(key, child);
    }
  };
  keys.set(tree.root, "r");
  nodes.set("r", tree.root);

  const keyOf = (node: number): string => {
    let key = keys.get(node);
    if (key !== undefined) return key;
    // Assign along the path from the nearest keyed ancestor.
    const path: number[] = [];
    let n = node;
    while (!keys.has(n)) {
      path.push(n);
      n = tree.parent[n];
    }
    for (let i = path.length - 1; i >= 0; i--) assignChildren(tree.parent[path[i]]);
    key = keys.get(node)!;
    return key;
  };

  const groupHeaderOf = (node: number): string | null => {
    const g = tree.group[node];
    if (g === NO_GROUP) return null;
    const group = tree.groups[g];
    if (group === undefined || group.root !== node || group.hiddenFrames === 0) return null;
    const key = GROUP_PREFIX + keyOf(node);
    groupKeys.set(key, g);
    return key;
  };

  const isGroupOpen = (g: number, isOpen: (k: string) => boolean) =>
    isOpen(GROUP_PREFIX + keyOf(tree.groups[g].root));

  const displayChildren = (node: number, isOpen: (k: string) => boolean): string[] => {
    const out: string[] = [];
    const header = groupHeaderOf(node);
    if (header !== null) out.push(header);
    // Iterative flattening of closed groups' hidden members.
    const stack: number[] = [];
    const kids = tree.children[node];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    while (stack.length > 0) {
      const child = stack.pop()!;
      const g = tree.group[child];
      if (tree.hiddenInGroup[child] && g !== NO_GROUP && !isGroupOpen(g, isOpen)) {
        const grand = tree.children[child];
        for (let i = grand.length - 1; i >= 0; i--) stack.push(grand[i]);
        continue;
      }
      out.push(keyOf(child));
    }
    return out;
  };

  const groupOf = (key: string): number => {
    if (!key.startsWith(GROUP_PREFIX)) return -1;
    const cached = groupKeys.get(key);
    if (cached !== undefined) return cached;
    const node = nodes.get(key.slice(GROUP_PREFIX.length));
    return node === undefined || tree.group[node] === NO_GROUP ? -1 : tree.group[node];
  };

  return {
    roots: () => displayChildren(tree.root, () => false),
    children(key, isOpen) {
      if (key.startsWith(GROUP_PREFIX)) return [];
      const node = nodes.get(key);
      return node === undefined ? [] : displayChildren(node, isOpen);
    },
    expandable(key) {
      if (key.startsWith(GROUP_PREFIX)) return true;
      const node = nodes.get(key);
      return node !== undefined && (tree.children[node].length > 0 || groupHeaderOf(node) !== null);
    },
    defaultOpen(key) {
      if (key.startsWith(GROUP_PREFIX)) {
        if (frameMask === null) return false;
        const g = tree.groups[groupOf(key)];
        return g !== undefined && g.members.some((m) => tree.hiddenInGroup[m] === 1 && tree.kind[m] === NodeKind.Frame && frameMask[tree.frame[m]] === 1);
      }
      const node = nodes.get(key);
      if (node === undefined) return false;
      if (hidesMatch !== null && hidesMatch[node]) return true;
      return rootTotal > 0 && tree.totalNs[node] / rootTotal >= DEFAULT_OPEN_SHARE;
    },
    kind: (key) => (key.startsWith(GROUP_PREFIX) ? "group" : "node"),
    nodeOf: (key) => (key.startsWith(GROUP_PREFIX) ? -1 : (nodes.get(key) ?? -1)),
    groupOf,
    keyOf,
  };

}
