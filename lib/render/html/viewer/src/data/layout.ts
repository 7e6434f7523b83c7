// Layout math for the timeline (chronological flame chart) and the icicle
// (aggregated flame graph). Pure numbers, no DOM: the UI draws what this
// returns, and the tests check exact values.
//
// Both charts are the same geometry over different trees: a node spans
// [start, start + totalNs) on a time axis, its children are laid side by
// side from its start in display order, and its row is its depth (the
// root's children are row 0). For the timeline tree the axis is real time
// (origin = the thread's start offset); for an aggregated tree it is a share
// of the root's total (origin 0).
//
// A timeline tree keeps chronology only if no processor dropped nodes
// (remove_irrelevant_nodes moves a dropped call's time to the end of its
// parent), so the timeline wants timelineProcessors(true) or
// filterThreshold 0.

import { FrameTree, NodeKind } from "./tree";

/** The visible window of the time axis, in ns. */
export interface TimeView {
  startNs: number;
  endNs: number;
}

/** x in px of time `t` in a chart `widthPx` wide showing `view`. */
export function timeToX(t: number, view: TimeView, widthPx: number): number {
  return ((t - view.startNs) / (view.endNs - view.startNs)) * widthPx;
}

/** The time at x px; the inverse of timeToX. */
export function xToTime(x: number, view: TimeView, widthPx: number): number {
  return view.startNs + (x / widthPx) * (view.endNs - view.startNs);
}

/**
 * `view` moved and shrunk to lie within `bounds`, and no narrower than
 * `minSpanNs` (nor wider than the bounds): zooming stops at the bounds
 * instead of showing empty space, and stops at a span where the axis would
 * show nothing new.
 */
export function clampView(view: TimeView, bounds: TimeView, minSpanNs = 1): TimeView {
  const boundsSpan = bounds.endNs - bounds.startNs;
  const span = Math.min(boundsSpan, Math.max(minSpanNs, view.endNs - view.startNs));
  let start = Math.min(Math.max(view.startNs, bounds.startNs), bounds.endNs - span);
  if (!(start >= bounds.startNs)) start = bounds.startNs;
  return { startNs: start, endNs: start + span };
}

/** Zooms by `factor` (> 1 in, < 1 out) keeping the time under `anchorX`
 * where it is, then clamps (clampView). */
export function zoomView(
  view: TimeView,
  anchorX: number,
  widthPx: number,
  factor: number,
  bounds: TimeView,
  minSpanNs = 1,
): TimeView {
  const anchor = xToTime(anchorX, view, widthPx);
  const boundsSpan = bounds.endNs - bounds.startNs;
  const span = Math.min(boundsSpan, Math.max(minSpanNs, (view.endNs - view.startNs) / factor));
  const start = anchor - (anchorX / widthPx) * span;
  return clampView({ startNs: start, endNs: start + span }, bounds, minSpanNs);
}

/** Pans by `dxPx` (positive drags the content right, showing earlier
 * times), then clamps. */
export function panView(view: TimeView, dxPx: number, widthPx: number, bounds: TimeView): TimeView {
  const shift = (dxPx / widthPx) * (view.endNs - view.startNs);
  return clampView(
    { startNs: view.startNs - shift, endNs: view.endNs - shift },
    bounds,
    0,
  );
}

/** Node positions of a tree on the time axis. */
export interface TreeLayout {
  tree: FrameTree;
  /** Start of each node, in ns (origin included); indexed by node. */
  startNs: Float64Array;
  /** Row of each node: -1 for the root and for unreachable nodes. */
  depth: Int32Array;
  /** Drawn nodes (frames; `[self]` only with includeSelf) of each row, in
   * start order. */
  rows: Uint32Array[];
  /** The axis the tree covers: [origin, origin + root total). */
  bounds: TimeView;
}

export interface LayoutOptions {
  /** Time of the root's start; the thread's startOffsetNs for a timeline. */
  originNs?: number;
  /** Draw `[self]` nodes too (default: no; they are the parent's time). */
  includeSelf?: boolean;
}

/** Lays out every reachable node of `tree` (iteratively: stacks may be
 * deeper than the JS call stack). */
export function layoutTree(tree: FrameTree, options: LayoutOptions = {}): TreeLayout {
  const origin = options.originNs ?? 0;
  const includeSelf = options.includeSelf ?? false;
  const startNs = new Float64Array(tree.size);
  const depth = new Int32Array(tree.size).fill(-1);
  const rowLists: number[][] = [];
  startNs[tree.root] = origin;
  // Preorder with children in display order: each row then comes out
  // sorted by start, since nodes of one row never overlap.
  const stack = [tree.root];
  while (stack.length > 0) {
    const index = stack.pop() as number;
    const list = tree.children[index];
    let at = startNs[index];
    for (const child of list) {
      startNs[child] = at;
      depth[child] = depth[index] + 1;
      at += tree.totalNs[child];
    }
    for (let i = list.length - 1; i >= 0; --i) stack.push(list[i]);
    if (index !== tree.root && (includeSelf || tree.kind[index] !== NodeKind.Self)) {
      const row = depth[index];
      while (rowLists.length <= row) rowLists.push([]);
      rowLists[row].push(index);
    }
  }
  return {
    tree,
    startNs,
    depth,
    rows: rowLists.map((row) => Uint32Array.from(row)),
    bounds: { startNs: origin, endNs: origin + tree.totalNs[tree.root] },
  };
}

/** The timeline of a thread: layoutTree with the thread's start offset. */
export function layoutTimeline(tree: FrameTree): TreeLayout {
  const thread = tree.session.threads[tree.threadIndex];
  return layoutTree(tree, { originNs: thread === undefined ? 0 : thread.startOffsetNs });
}

/** The icicle of an aggregated tree: layoutTree from 0. */
export function layoutIcicle(tree: FrameTree): TreeLayout {
  return layoutTree(tree, { originNs: 0 });
}

/** One rectangle to draw. */
export interface Rect {
  /** The node drawn; for a merged rect, its widest member. */
  node: number;
  row: number;
  /** Left edge and width in px, clipped to [0, widthPx]. */
  x: number;
  width: number;
  /** How many nodes the rect stands for: 1, or more for merged slivers. */
  count: number;
}

/** Index of the first node in `row` whose end lies after `t`. */
function firstEndingAfter(layout: TreeLayout, row: Uint32Array, t: number): number {
  let lo = 0;
  let hi = row.length;
  const totals = layout.tree.totalNs;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const node = row[mid];
    if (layout.startNs[node] + totals[node] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rects of `layout` visible in `view` on a chart `widthPx` wide, row by
 * row, left to right. Nodes narrower than `minWidthPx` are not drawn one by
 * one: consecutive ones in a row whose gaps are also below `minWidthPx` are
 * merged into one rect (count > 1) spanning them all, so a burst of tiny
 * calls shows as one block instead of vanishing or costing a draw call
 * each. Work is proportional to the visible nodes, found by binary search.
 */
export function visibleRects(
  layout: TreeLayout,
  view: TimeView,
  widthPx: number,
  minWidthPx = 1,
  maxRows = Infinity,
): Rect[] {
  const rects: Rect[] = [];
  const totals = layout.tree.totalNs;
  const scale = widthPx / (view.endNs - view.startNs);
  const rowCount = Math.min(layout.rows.length, maxRows);
  for (let r = 0; r < rowCount; ++r) {
    const row = layout.rows[r];
    let pending: Rect | null = null;
    let pendingEnd = 0; // unclipped right edge of the pending merge
    let pendingWidest = -1;
    const flush = (): void => {
      if (pending !== null) rects.push(pending);
      pending = null;
    };
    for (let i = firstEndingAfter(layout, row, view.startNs); i < row.length; ++i) {
      const node = row[i];
      const start = layout.startNs[node];
      if (start >= view.endNs) break;
      const x0 = (start - view.startNs) * scale;
      const x1 = (start + totals[node] - view.startNs) * scale;
      const width = x1 - x0;
      if (width <= 0) continue; // a node with no time covers nothing
      if (width >= minWidthPx) {
        flush();
        const left = Math.max(0, x0);
        rects.push({ node, row: r, x: left, width: Math.min(widthPx, x1) - left, count: 1 });
        continue;
      }
      const current = pending as Rect | null;
      if (current !== null && x0 - pendingEnd < minWidthPx) {
        const right = Math.min(widthPx, x1);
        current.width = right - current.x;
        current.count += 1;
        pendingEnd = x1;
        if (width > pendingWidest) {
          pendingWidest = width;
          current.node = node;
        }
        continue;
      }
      flush();
      const left = Math.max(0, x0);
      pending = { node, row: r, x: left, width: Math.min(widthPx, x1) - left, count: 1 };
      pendingEnd = x1;
      pendingWidest = width;
    }
    flush();
  }
  return rects;
}

/** The drawn node under (x px, row) in `view`, or -1: for hover and
 * clicks, exact at any zoom (it does not go through merged rects). */
export function nodeAt(layout: TreeLayout, view: TimeView, widthPx: number, x: number, row: number): number {
  const nodes = layout.rows[row];
  if (nodes === undefined) return -1;
  const t = xToTime(x, view, widthPx);
  const i = firstEndingAfter(layout, nodes, t);
  if (i >= nodes.length) return -1;
  return layout.startNs[nodes[i]] <= t ? nodes[i] : -1;
}
