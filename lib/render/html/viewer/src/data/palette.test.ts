/// <reference types="node" />
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeSession } from "./decode";
import { assignColors, bisectionPosition, buildPalette, cyclicColor, oklchToHex } from "./palette";

const hex = /^#[0-9a-f]{6}$/;

function rgb(color: string): number[] {
  return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
}
function distance(a: string, b: string): number {
  const [x, y] = [rgb(a), rgb(b)];
  return Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
}
function luma(color: string): number {
  const [r, g, b] = rgb(color);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe("bisectionPosition", () => {
  it("bisects the wheel: 0, 1/2, 1/4, 3/4, 1/8, 5/8, 3/8, 7/8", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(bisectionPosition)).toEqual([0, 0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875]);
  });
  it("never repeats a position", () => {
    const seen = new Set<number>();
    for (let k = 0; k < 4096; ++k) seen.add(bisectionPosition(k));
    expect(seen.size).toBe(4096);
  });
});

describe("colormap", () => {
  it("is cyclic, in gamut and deterministic", () => {
    expect(cyclicColor(0, "application")).toBe(cyclicColor(1, "application"));
    expect(cyclicColor(0.25, "library")).toBe(cyclicColor(-0.75, "library"));
    for (let t = 0; t < 1; t += 1 / 64) {
      expect(cyclicColor(t, "application")).toMatch(hex);
      expect(cyclicColor(t, "library")).toMatch(hex);
    }
    expect(oklchToHex(1, 0, 0)).toBe("#ffffff");
    expect(oklchToHex(0, 0, 0)).toBe("#000000");
  });

  it("varies brightness only moderately around the circle", () => {
    const lumas = Array.from({ length: 64 }, (_, i) => luma(cyclicColor(i / 64, "application")));
    const spread = Math.max(...lumas) - Math.min(...lumas);
    expect(spread).toBeGreaterThan(5);
    expect(spread).toBeLessThan(90);
  });

  it("makes library code dimmer than application code", () => {
    for (let k = 0; k < 16; ++k) {
      const t = bisectionPosition(k);
      expect(luma(cyclicColor(t, "library"))).toBeLessThan(luma(cyclicColor(t, "application")));
    }
  });

  it("keeps the first colours far apart and never reuses one", () => {
    const colors = [...assignColors(Array.from({ length: 16 }, (_, i) => `k${i}`), "application").values()];
    expect(new Set(colors).size).toBe(16);
    expect(distance(colors[0], colors[1])).toBeGreaterThan(80);
    for (let i = 0; i < 4; ++i) {
      for (let j = i + 1; j < 4; ++j) expect(distance(colors[i], colors[j])).toBeGreaterThan(40);
    }
    const library = new Set(assignColors(Array.from({ length: 16 }, (_, i) => `k${i}`), "library").values());
    for (const color of colors) expect(library.has(color)).toBe(false);
  });
});

describe("buildPalette", () => {
  const session = decodeSession(
    new Uint8Array(readFileSync(new URL("./testdata/nested_two_threads.pb", import.meta.url))),
  );

  it("ranks keys by sampled time and gives the top one position 0", () => {
    const palette = buildPalette(session);
    expect([...palette.application.keys()]).toEqual(["app.c"]);
    expect([...palette.library.keys()]).toEqual(["lib"]);
    expect(palette.application.get("app.c")).toBe(cyclicColor(0, "application"));
    expect(palette.frameColors).toEqual([
      cyclicColor(0, "application"),
      cyclicColor(0, "application"),
      cyclicColor(0, "library"),
    ]);
  });

  it("orders by frequency, ties by name, deterministically", () => {
    const copy = structuredClone(session);
    copy.frames = copy.frames.map((frame, i) => ({ ...frame, module: ["zeta", "alpha", ""][i] }));
    const palette = buildPalette(copy);
    // main (zeta) covers 5 ms inclusive on thread 0 plus 3 us on the
    // worker; work (alpha) 4 ms + 6 us.
    expect([...palette.application.keys()]).toEqual(["zeta", "alpha"]);
    expect(buildPalette(copy)).toEqual(palette);
    // Rank follows time, not the name: swapping the modules swaps the order.
    copy.frames[1] = { ...copy.frames[1], module: "zeta" };
    copy.frames[0] = { ...copy.frames[0], module: "alpha" };
    expect([...buildPalette(copy).application.keys()]).toEqual(["alpha", "zeta"]);
    // Equal time: the name that sorts first wins.
    copy.threads = [];
    expect([...buildPalette(copy).application.keys()]).toEqual(["alpha", "zeta"]);
    copy.frames[0] = { ...copy.frames[0], module: "yak" };
    expect([...buildPalette(copy).application.keys()]).toEqual(["yak", "zeta"]);
  });
});
