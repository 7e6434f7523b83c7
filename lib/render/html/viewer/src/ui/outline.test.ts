import { describe, expect, test } from "vitest";
import { keyToAction, type Outline, outlineReducer, type OutlineState, visibleRows } from "./outline";

// a
// ├─ b
// │  ├─ c
// │  └─ g:b (group header; when open, shows h)
// └─ d
//    └─ e
const tree: Record<string, string[]> = { a: ["b", "d"], b: ["c", "g:b"], d: ["e"], c: [], e: [], "g:b": [], h: [] };
const outline: Outline<string> = {
  roots: () => ["a"],
  children: (k, isOpen) => (k === "b" && isOpen("g:b") ? ["c", "g:b", "h"] : tree[k]),
  expandable: (k) => k.startsWith("g:") || tree[k].length > 0,
  defaultOpen: (k) => k === "a",
  kind: (k) => (k.startsWith("g:") ? "group" : "node"),
};

const keys = (s: OutlineState<string>) => visibleRows(outline, s).map((r) => r.key).join(" ");
const run = (s: OutlineState<string>, ...names: string[]) => {
  for (const name of names) {
    const [k, alt] = name.split("+").reverse();
    s = outlineReducer(outline, s, keyToAction<string>(k, alt === "Alt")!);
  }
  return s;
};
const start: OutlineState<string> = { selected: null, open: new Map() };

describe("call-stack keyboard model", () => {
  test("default open state and rows", () => {
    expect(keys(start)).toBe("a b d");
    const rows = visibleRows(outline, start);
    expect(rows.map((r) => r.depth)).toEqual([0, 1, 1]);
    expect(rows.map((r) => r.parent)).toEqual([-1, 0, 0]);
  });

  test("Up/Down move and stop at the ends; first key selects the top", () => {
    let s = run(start, "ArrowDown");
    expect(s.selected).toBe("a");
    s = run(s, "ArrowDown", "ArrowDown", "ArrowDown", "ArrowDown");
    expect(s.selected).toBe("d");
    s = run(s, "ArrowUp");
    expect(s.selected).toBe("b");
    expect(run(s, "Home").selected).toBe("a");
    expect(run(s, "End").selected).toBe("d");
  });

  test("Right opens, then steps in; Left closes, then steps out", () => {
    let s: OutlineState<string> = { ...start, selected: "b" };
    s = run(s, "ArrowRight");
    expect(keys(s)).toBe("a b c g:b d");
    expect(s.selected).toBe("b");
    s = run(s, "ArrowRight");
    expect(s.selected).toBe("c");
    s = run(s, "ArrowRight"); // leaf: nothing
    expect(s.selected).toBe("c");
    s = run(s, "ArrowLeft"); // leaf: to parent
    expect(s.selected).toBe("b");
    s = run(s, "ArrowLeft"); // open: close
    expect(keys(s)).toBe("a b d");
    expect(s.selected).toBe("b");
    s = run(s, "ArrowLeft");
    expect(s.selected).toBe("a");
  });

  test("Enter and Space toggle; a group header opens its hidden frames", () => {
    let s: OutlineState<string> = { ...start, selected: "b" };
    s = run(s, "Enter");
    expect(keys(s)).toBe("a b c g:b d");
    s = run(s, "ArrowDown", "ArrowDown");
    expect(s.selected).toBe("g:b");
    s = run(s, " ");
    expect(keys(s)).toBe("a b c g:b h d");
    s = run(s, "Enter");
    expect(keys(s)).toBe("a b c g:b d");
    s = run(s, "Home", " ");
    expect(keys(s)).toBe("a");
  });

  test("Alt acts on the whole subtree but leaves groups alone", () => {
    let s: OutlineState<string> = { ...start, selected: "a" };
    s = run(s, "Alt+ArrowRight");
    expect(keys(s)).toBe("a b c g:b d e");
    s = run(s, "Alt+ArrowLeft");
    expect(keys(s)).toBe("a");
    s = run(s, "Alt+Enter");
    expect(keys(s)).toBe("a b c g:b d e");
    // Collapsing a then opening it alone shows children as they were left.
    s = run(s, "Enter", "Enter");
    expect(keys(s)).toBe("a b c g:b d e");
  });

  test("click toggles by key and selects it", () => {
    const s = outlineReducer(outline, start, { type: "toggle", key: "d" });
    expect(s.selected).toBe("d");
    expect(keys(s)).toBe("a b d e");
    const leaf = outlineReducer(outline, s, { type: "toggle", key: "e" });
    expect(leaf.selected).toBe("e");
    expect(leaf.open).toBe(s.open);
  });

  test("a selection that disappeared restarts at the top", () => {
    const s: OutlineState<string> = { ...start, selected: "e" };
    expect(run(s, "ArrowDown").selected).toBe("a");
  });

  test("deep trees do not overflow the stack", () => {
    const depth = 50_000;
    const deep: Outline<number> = {
      roots: () => [0],
      children: (k) => (k + 1 < depth ? [k + 1] : []),
      expandable: (k) => k + 1 < depth,
      defaultOpen: () => true,
      kind: () => "node",
    };
    expect(visibleRows(deep, { selected: null, open: new Map() }).length).toBe(depth);
  });

  test("other keys are not handled", () => {
    expect(keyToAction("a", false)).toBeNull();
    expect(keyToAction("ArrowLeft", true)).toEqual({ type: "left", all: true });
  });
});
