import { describe, expect, test } from "vitest";
import {
  axisTicks,
  clampViewport,
  formatAxisTime,
  fullViewport,
  MIN_SPAN_NS,
  panBy,
  pinch,
  timeToX,
  wheelZoomFactor,
  xToTime,
  zoomAt,
} from "./viewport";

const TOTAL = 1_000_000_000; // 1 s
const W = 1000;

describe("timeline viewport", () => {
  test("zoom keeps the time under the cursor in place", () => {
    const v0 = fullViewport(TOTAL);
    const x = 250;
    const before = xToTime(v0, x, W);
    const v1 = zoomAt(v0, x, W, 4, TOTAL);
    expect(v1.spanNs).toBeCloseTo(TOTAL / 4);
    expect(xToTime(v1, x, W)).toBeCloseTo(before);
    // And back out again.
    const v2 = zoomAt(v1, x, W, 1 / 4, TOTAL);
    expect(v2.startNs).toBeCloseTo(0);
    expect(v2.spanNs).toBeCloseTo(TOTAL);
  });

  test("zoom is bounded by the profile and by MIN_SPAN_NS", () => {
    const v0 = fullViewport(TOTAL);
    expect(zoomAt(v0, 500, W, 0.1, TOTAL).spanNs).toBe(TOTAL);
    let v = v0;
    for (let i = 0; i < 100; i++) v = zoomAt(v, 999, W, 10, TOTAL);
    expect(v.spanNs).toBe(MIN_SPAN_NS);
    expect(v.startNs + v.spanNs).toBeLessThanOrEqual(TOTAL);
  });

  test("pan moves by pixels and stops at the ends", () => {
    const v = zoomAt(fullViewport(TOTAL), 0, W, 10, TOTAL); // 0..100ms
    const moved = panBy(v, 100, 0, W, TOTAL); // 100 px = 10 ms
    expect(moved.startNs).toBeCloseTo(10_000_000);
    expect(panBy(v, -500, 0, W, TOTAL).startNs).toBe(0);
    expect(panBy(v, 1e9, 0, W, TOTAL).startNs).toBeCloseTo(TOTAL - v.spanNs);
    expect(panBy(v, 0, 50, W, TOTAL, 30).scrollY).toBe(30);
    expect(panBy(v, 0, -50, W, TOTAL, 30).scrollY).toBe(0);
  });

  test("pinch keeps the times under both fingers", () => {
    const v0 = fullViewport(TOTAL);
    const a = xToTime(v0, 400, W);
    const b = xToTime(v0, 600, W);
    const v1 = pinch(v0, 400, 600, 300, 700, W, TOTAL);
    expect(xToTime(v1, 300, W)).toBeCloseTo(a);
    expect(xToTime(v1, 700, W)).toBeCloseTo(b);
  });

  test("wheel factor: down zooms out, up zooms in, symmetric", () => {
    expect(wheelZoomFactor(-100)).toBeGreaterThan(1);
    expect(wheelZoomFactor(100)).toBeLessThan(1);
    expect(wheelZoomFactor(100) * wheelZoomFactor(-100)).toBeCloseTo(1);
    expect(wheelZoomFactor(1e9)).toBe(wheelZoomFactor(300));
  });

  test("clamp repairs nonsense", () => {
    expect(clampViewport({ startNs: NaN, spanNs: Infinity, scrollY: -4 }, TOTAL)).toEqual(fullViewport(TOTAL));
    expect(fullViewport(0).spanNs).toBe(MIN_SPAN_NS);
  });

  test("axis ticks are round and readable", () => {
    const v = fullViewport(TOTAL);
    const { stepNs, ticks } = axisTicks(v, W, 90);
    expect(stepNs).toBe(100_000_000);
    expect(ticks[0]).toBe(0);
    expect(ticks.length).toBe(11);
    expect(formatAxisTime(ticks[3], stepNs)).toBe("0.3s");
    expect(formatAxisTime(2_000_000, 1_000_000)).toBe("2ms");
    expect(formatAxisTime(2_500, 500)).toBe("2500ns");
    expect(timeToX(v, TOTAL / 2, W)).toBe(500);
  });
});
