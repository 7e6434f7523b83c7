// Flame-chart geometry for the canvas views: a FrameTree laid out as rows of
// rects (one row per depth, sorted by start time), plus the queries the
// renderer and the pointer need (first visible rect, hit test). Pure, so it
// is tested without a canvas.
//
// The timeline lays out the chronological tree (a node starts where its
// previous sibling ended); the icicle lays out the aggregated tree the same
// way, largest first. `[self]` nodes take time but are not drawn.

import { FrameTree, NodeKind } from "../data/tree";

export interface FlameLevel {
  /** Rect i spans [start[i], end[i]) ns (absolute: the lane offset added). */
  start: Float64Array;
  end: Float64Array;
  /** The tree node drawn. */
  node: Uint32Array;
  /** Index into the lane's color table. */
  color: Uint16Array;
  count: number;
}

export interface FlameLane {
  tree: FrameTree;
  label: string;
  /** Where the lane's time starts, ns from the session start. */
  offsetNs: number;
  totalNs: number;
  levels: FlameLevel[];
  /** Rects laid out (frames; `[self]` not counted). */
  rectCount: number;
}

/** A deep recursion would make a chart no one can read; deeper frames are
 * left out of the chart (the call-stack view still has them). */
export const MAX_FLAME_DEPTH = 1024;

/**
 * Lays out `tree` from `offsetNs`. `colorOf(node)` gives each frame's index
 * into the color table the renderer is handed.
 */
export function layoutFlame(
  tree: FrameTree,
  label: string,
  offsetNs: number,
  colorOf: (node: number) => number,
  maxDepth = MAX_FLAME_DEPTH,
): FlameLane {
  // Pass 1: count rects per depth. Pass 2: fill. Both iterative preorder, which
  // visits every depth's nodes left to right, so each level comes out sorted.
  const counts: number[] = [];
  const stackNode: number[] = [];
  const stackDepth: number[] = [];
  const pushChildren = (node: number, depth: number) => {
    const kids = tree.children[node];
    for (let i = kids.length - 1; i >= 0; i--) {
      stackNode.push(kids[i]);
      stackDepth.push(depth);
    }
  };
  pushChildren(tree.root, 0);
  while (stackNode.length > 0) {
    const node = stackNode.pop()!;
    const depth = stackDepth.pop()!;
    if (tree.kind[node] !== NodeKind.Frame || depth >= maxDepth) continue;
    counts[depth] = (counts[depth] ?? 0) + 1;
    pushChildren(node, depth + 1);
  }
  const levels: FlameLevel[] = counts.map((n) => ({
    start: new Float64Array(n),
    end: new Float64Array(n),
    node: new Uint32Array(n),
    color: new Uint16Array(n),
    count: 0,
  }));
  const stackStart: number[] = [];
  const pushKids = (node: number, depth: number, start: number) => {
    const kids = tree.children[node];
    // Children's starts, cumulative; pushed in reverse for preorder.
    let t = start;
    const starts = new Array<number>(kids.length);
    for (let i = 0; i < kids.length; i++) {
      starts[i] = t;
      t += tree.totalNs[kids[i]];
    }
    for (let i = kids.length - 1; i >= 0; i--) {
      stackNode.push(kids[i]);
      stackDepth.push(depth);
      stackStart.push(starts[i]);
    }
  };
  pushKids(tree.root, 0, offsetNs);
  let rectCount = 0;
  while (stackNode.length > 0) {
    const node = stackNode.pop()!;
    const depth = stackDepth.pop()!;
    const start = stackStart.pop()!;
    if (tree.kind[node] !== NodeKind.Frame || depth >= maxDepth) continue;
    const level = levels[depth];
    const i = level.count++;
    level.start[i] = start;
    level.end[i] = start + tree.totalNs[node];
    level.node[i] = node;
    level.color[i] = colorOf(node);
    rectCount++;
    pushKids(node, depth + 1, start);
  }
  return { tree, label, offsetNs, totalNs: tree.totalNs[tree.root], levels, rectCount };
}

/** Index of the first rect in `level` whose end is after `t` (count if none). */
export function firstEndingAfter(level: FlameLevel, t: number, from = 0): number {
  let lo = from;
  let hi = level.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (level.end[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rect at time `t` on `level`, or -1. */
export function rectAt(level: FlameLevel | undefined, t: number): number {
  if (level === undefined) return -1;
  const i = firstEndingAfter(level, t);
  return i < level.count && level.start[i] <= t ? i : -1;
}

/** Rects of `lane` that overlap [t0, t1). */
export function countVisible(lane: FlameLane, t0: number, t1: number, depthFrom = 0, depthTo = Infinity): number {
  let n = 0;
  const last = Math.min(lane.levels.length, depthTo);
  for (let d = Math.max(0, depthFrom); d < last; d++) {
    const level = lane.levels[d];
    const a = firstEndingAfter(level, t0);
    // First start at or after t1.
    let lo = a;
    let hi = level.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (level.start[mid] < t1) lo = mid + 1;
      else hi = mid;
    }
    n += lo - a;
  }
  return n;
}

/** Vertical layout of stacked lanes (one per thread): a header strip then
 * one row per depth. */
export interface LaneGeometry {
  top: number;
  headerHeight: number;
  rowHeight: number;
  height: number;
}

export function stackLanes(lanes: readonly FlameLane[], rowHeight: number, headerHeight: number, gap: number): LaneGeometry[] {
  const out: LaneGeometry[] = [];
  let y = 0;
  for (const lane of lanes) {
    const height = headerHeight + Math.max(1, lane.levels.length) * rowHeight;
    out.push({ top: y, headerHeight, rowHeight, height });
    y += height + gap;
  }
  return out;
}

/** Which lane and depth content-y (scroll included) falls on. */
export function hitRow(geometry: readonly LaneGeometry[], y: number): { lane: number; depth: number } | null {
  for (let i = 0; i < geometry.length; i++) {
    const g = geometry[i];
    if (y < g.top || y >= g.top + g.height) continue;
    const inner = y - g.top - g.headerHeight;
    if (inner < 0) return { lane: i, depth: -1 };
    return { lane: i, depth: Math.floor(inner / g.rowHeight) };
  }
  return null;
}
