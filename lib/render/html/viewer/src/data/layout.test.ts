import { describe, expect, it } from "vitest";
import {
  clampView,
  layoutIcicle,
  layoutTimeline,
  layoutTree,
  nodeAt,
  panView,
  timeToX,
  visibleRects,
  xToTime,
  zoomView,
} from "./layout";
import type { SessionData } from "./model";
import { buildAggregatedTree, buildTimelineTree, FrameTree, NO_FRAME, NodeKind } from "./tree";

function session(startOffsetNs = 0): SessionData {
  return {
    startTimeUnixNs: 0,
    durationNs: 0,
    cpuTimeNs: 0,
    intervalNs: 1,
    clock: 0,
    targetDescription: "",
    program: "",
    libraryVersion: "",
    libraryRoots: [],
    frames: ["a", "b", "c"].map((f) => ({
      function: f,
      file: "/x",
      line: 0,
      module: "",
      flags: 0,
      isLibrary: false,
      library: "",
    })),
    threads: [
      {
        id: "1",
        name: "",
        startOffsetNs,
        // a, a > b, a > c
        nodeParent: Uint32Array.from([0, 0, 1, 1]),
        nodeFrame: Uint32Array.from([0, 0, 1, 2]),
        // b 10, a 5, c 20, b 5, (empty) 10
        sampleNodes: Uint32Array.from([2, 1, 3, 2, 0]),
        sampleDurationsNs: Float64Array.from([10, 5, 20, 5, 10]),
      },
    ].map((t) => ({ ...t, droppedSamples: 0, unbalancedExits: 0 })),
  };
}

describe("axis", () => {
  const view = { startNs: 100, endNs: 300 };
  it("maps time to x and back", () => {
    expect(timeToX(100, view, 1000)).toBe(0);
    expect(timeToX(150, view, 1000)).toBe(250);
    expect(timeToX(300, view, 1000)).toBe(1000);
    expect(xToTime(250, view, 1000)).toBe(150);
  });

  it("zooms around the anchor", () => {
    const bounds = { startNs: 0, endNs: 1000 };
    // Anchor at x=250 (t=150): span 200 -> 100, t=150 stays at x=250.
    expect(zoomView(view, 250, 1000, 2, bounds)).toEqual({ startNs: 125, endNs: 225 });
    // Zooming out past the bounds shows exactly the bounds.
    expect(zoomView(view, 0, 1000, 0.01, bounds)).toEqual({ startNs: 0, endNs: 1000 });
    // Not narrower than minSpanNs.
    expect(zoomView(view, 500, 1000, 1000, bounds, 50)).toEqual({ startNs: 175, endNs: 225 });
  });

  it("pans and clamps to the bounds", () => {
    const bounds = { startNs: 0, endNs: 1000 };
    expect(panView(view, 500, 1000, bounds)).toEqual({ startNs: 0, endNs: 200 });
    expect(panView(view, -250, 1000, bounds)).toEqual({ startNs: 150, endNs: 350 });
    expect(panView({ startNs: 700, endNs: 900 }, -2000, 1000, bounds)).toEqual({ startNs: 800, endNs: 1000 });
    expect(clampView({ startNs: -50, endNs: 2000 }, bounds)).toEqual({ startNs: 0, endNs: 1000 });
  });
});

describe("layoutTree", () => {
  it("places timeline nodes at their real times, rows by depth", () => {
    const tree = buildTimelineTree(session(1000), 0);
    const layout = layoutTimeline(tree);
    expect(layout.bounds).toEqual({ startNs: 1000, endNs: 1050 });
    // Row 0: a [1000, 1040); row 1: b [1000,1010), c [1015,1035), b [1035,1040).
    const describe = (node: number): string =>
      `${tree.label(node)}@${layout.startNs[node]}+${tree.totalNs[node]}`;
    expect([...layout.rows[0]].map(describe)).toEqual(["a@1000+40"]);
    expect([...layout.rows[1]].map(describe)).toEqual(["b@1000+10", "c@1015+20", "b@1035+5"]);
    expect(layout.rows).toHaveLength(2);
    expect(layout.depth[tree.root]).toBe(-1);
  });

  it("lays out the icicle from 0 in aggregated order", () => {
    const tree = buildAggregatedTree(session(1000), 0);
    const layout = layoutIcicle(tree);
    expect(layout.bounds).toEqual({ startNs: 0, endNs: 50 });
    const describe = (node: number): string =>
      `${tree.label(node)}@${layout.startNs[node]}+${tree.totalNs[node]}`;
    expect([...layout.rows[1]].map(describe)).toEqual(["b@0+15", "c@15+20"]);
    // [self] is drawn only on request.
    const withSelf = layoutTree(tree, { includeSelf: true });
    expect([...withSelf.rows[1]].map(describe)).toEqual(["b@0+15", "c@15+20", "[self]@35+5"]);
  });
});

describe("visibleRects", () => {
  /** root -> n children of widths `widths` in row 0. */
  function flat(widths: number[]): FrameTree {
    const tree = new FrameTree(session(), 0);
    let total = 0;
    for (const w of widths) {
      tree.appendChild(tree.root, tree.newNode(w < 0 ? NodeKind.Self : NodeKind.Frame, w < 0 ? NO_FRAME : 0, Math.abs(w)));
      total += Math.abs(w);
    }
    tree.totalNs[tree.root] = total;
    return tree;
  }

  it("culls to the view and clips to the chart", () => {
    const tree = flat([100, 100, 100, 100]);
    const layout = layoutTree(tree);
    const rects = visibleRects(layout, { startNs: 150, endNs: 250 }, 100);
    expect(rects).toEqual([
      { node: 2, row: 0, x: 0, width: 50, count: 1 },
      { node: 3, row: 0, x: 50, width: 50, count: 1 },
    ]);
  });

  it("merges runs of sub-pixel nodes into one rect", () => {
    // 1 px = 16 ns (a power of two keeps every number exact). Widths in
    // px: 5, 0.25, 0.5, 0.125, 4, 0.5, a 3 px [self] gap, 0.5.
    const tree = flat([80, 4, 8, 2, 64, 8, -48, 8]);
    const layout = layoutTree(tree);
    const rects = visibleRects(layout, { startNs: 0, endNs: 222 }, 13.875);
    expect(rects).toEqual([
      { node: 1, row: 0, x: 0, width: 5, count: 1 },
      // Three slivers merged; the widest (8 ns) represents them.
      { node: 3, row: 0, x: 5, width: 0.875, count: 3 },
      { node: 5, row: 0, x: 5.875, width: 4, count: 1 },
      // The [self] gap of 3 px separates the next two slivers.
      { node: 6, row: 0, x: 9.875, width: 0.5, count: 1 },
      { node: 8, row: 0, x: 13.375, width: 0.5, count: 1 },
    ]);
    // With a 4 px gap tolerance they merge across the gap.
    expect(visibleRects(layout, { startNs: 0, endNs: 222 }, 13.875, 4).slice(-1)).toEqual([
      { node: 6, row: 0, x: 9.875, width: 4, count: 2 },
    ]);
  });

  it("finds the node under the pointer", () => {
    const tree = flat([100, 100]);
    const layout = layoutTree(tree);
    const view = { startNs: 0, endNs: 200 };
    expect(nodeAt(layout, view, 200, 50, 0)).toBe(1);
    expect(nodeAt(layout, view, 200, 100, 0)).toBe(2);
    expect(nodeAt(layout, view, 200, 250, 0)).toBe(-1);
    expect(nodeAt(layout, view, 200, 50, 1)).toBe(-1);
  });
});
