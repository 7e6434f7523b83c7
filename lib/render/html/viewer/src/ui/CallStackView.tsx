// The call-stack view: the processed tree as rows with times, colored by
// share of the total, library groups that open on click, and the keyboard
// model of outline.ts. Rows are virtualized (only those on screen are in the
// DOM), so a tree of 100k rows scrolls as easily as one of ten.
//
// Every name and path is rendered as a JSX text child, never as markup.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { SessionData } from "../data/model";
import { type FrameTree, NodeKind } from "../data/tree";
import { callStackOutline } from "./callStackOutline";
import { formatNodeTime, shortPath, timeClass } from "./format";
import type { TimeFormat } from "./options";
import { keyToAction, outlineReducer, type OutlineState, visibleRows } from "./outline";
import { setActiveView } from "./testHooks";

export const ROW_HEIGHT = 22;
const INDENT = 16;
const OVERSCAN = 10;
/** Library names a group line lists before "…" (all are in its title). */
const MAX_GROUP_LIBRARIES = 4;

export interface CallStackViewProps {
  session: SessionData;
  tree: FrameTree;
  timeFormat: TimeFormat;
  decimals: number;
  /** Per frame id: 1 when the frame matches the search; null: no search. */
  frameMatches: Uint8Array | null;
  /** Label for the tree, for screen readers. */
  label: string;
}

export function CallStackView(props: CallStackViewProps) {
  const { session, tree, timeFormat, decimals, frameMatches } = props;
  const outline = useMemo(() => callStackOutline(tree, frameMatches), [tree, frameMatches]);
  const [state, setState] = useState<OutlineState<string>>({ selected: null, open: new Map() });
  // Rows depend on what is open, not on the selection: moving the selection
  // through 100k rows must not rebuild them.
  const rows = useMemo(() => visibleRows(outline, state), [outline, state.open]);
  const rowsFor = useRef({ open: state.open, outline, rows });
  rowsFor.current = { open: state.open, outline, rows };
  const scroller = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const rootTotal = tree.totalNs[tree.root];

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el === null) return;
    const update = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(
    () =>
      setActiveView({
        visibleFrameCount: () => {
          let n = 0;
          const top = scroller.current?.scrollTop ?? 0;
          const height = scroller.current?.clientHeight ?? 0;
          const a = Math.floor(top / ROW_HEIGHT);
          const b = Math.min(rows.length, Math.ceil((top + height) / ROW_HEIGHT));
          for (let i = a; i < b; i++) {
            const node = outline.nodeOf(rows[i].key);
            if (node >= 0 && tree.kind[node] === NodeKind.Frame) n++;
          }
          return n;
        },
      }),
    [rows, outline, tree],
  );

  // Keep the selected row on screen after keyboard moves.
  const selectedIndex = state.selected === null ? -1 : rows.findIndex((r) => r.key === state.selected);
  const followSelection = useRef(false);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!followSelection.current || el === null || selectedIndex < 0) return;
    followSelection.current = false;
    const y = selectedIndex * ROW_HEIGHT;
    if (y < el.scrollTop) el.scrollTop = y;
    else if (y + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = y + ROW_HEIGHT - el.clientHeight;
  }, [selectedIndex]);

  const onKeyDown = (event: KeyboardEvent) => {
    const pageRows = Math.max(1, Math.floor(scroll.height / ROW_HEIGHT) - 1);
    const action = keyToAction<string>(event.key, event.altKey, pageRows);
    if (action === null || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    followSelection.current = true;
    setState((s) => {
      const known = rowsFor.current;
      return outlineReducer(outline, s, action, known.open === s.open && known.outline === outline ? known.rows : undefined);
    });
  };

  const onRowClick = (key: string, event: MouseEvent) => {
    scroller.current?.focus({ preventScroll: true });
    setState((s) => outlineReducer(outline, s, { type: "toggle", key, all: event.altKey }));
  };

  const idFor = (index: number) => `pyi-row-${index}`;
  const items = [];
  for (let i = first; i < last; i++) {
    const row = rows[i];
    const key = row.key;
    const expandable = outline.expandable(key);
    const open = expandable && (state.open.get(key) ?? outline.defaultOpen(key));
    const selected = key === state.selected;
    const style = { top: `${i * ROW_HEIGHT}px`, paddingLeft: `${8 + row.depth * INDENT}px` };
    const common = {
      id: idFor(i),
      role: "treeitem" as const,
      "aria-level": row.depth + 1,
      "aria-expanded": expandable ? open : undefined,
      "aria-selected": selected,
      style,
      onClick: (e: MouseEvent) => onRowClick(key, e),
    };
    const group = outline.groupOf(key);
    if (group >= 0) {
      const g = tree.groups[group];
      const shown = g.libraries.slice(0, MAX_GROUP_LIBRARIES).join(", ");
      const more = g.libraries.length > MAX_GROUP_LIBRARIES ? ", …" : "";
      const libs = g.libraries.length > 0 ? ` (${shown}${more})` : "";
      items.push(
        <div key={key} {...common} class={`cs-row cs-group${selected ? " selected" : ""}`} data-testid="callstack-group">
          <span class="cs-toggle">{open ? "▾" : "▸"}</span>
          <span class="cs-group-label" title={g.libraries.join(", ")}>
            {g.hiddenFrames} frames hidden{libs}
          </span>
        </div>,
      );
      continue;
    }
    const node = outline.nodeOf(key);
    const total = tree.totalNs[node];
    const kind = tree.kind[node];
    const frame = kind === NodeKind.Frame ? session.frames[tree.frame[node]] : undefined;
    const matched = frame !== undefined && frameMatches !== null && frameMatches[tree.frame[node]] === 1;
    const lib = frame?.isLibrary ?? false;
    items.push(
      <div
        key={key}
        {...common}
        class={`cs-row${selected ? " selected" : ""}${matched ? " match" : ""}${lib ? " lib" : ""}`}
        data-testid="callstack-row"
        data-frame={frame?.function ?? "[self]"}
      >
        <span class="cs-toggle">{expandable ? (open ? "▾" : "▸") : ""}</span>
        <span class={`cs-time t-${timeClass(total, rootTotal)}`}>{formatNodeTime(total, timeFormat, rootTotal, decimals)}</span>
        {frame === undefined ? (
          <span class="cs-self">{tree.parent[node] === tree.root ? "[outside any frame]" : "[self]"}</span>
        ) : (
          <>
            <span class={`cs-name${lib ? " lib" : " app"}`}>{frame.function === "" ? "<unknown>" : frame.function}</span>
            {tree.recursionDepth[node] > 1 ? <span class="cs-rec">recursion depth {tree.recursionDepth[node]}</span> : null}
            <span class="cs-file" title={frame.file}>
              {shortPath(frame.file, 3)}
              {frame.line > 0 ? `:${frame.line}` : ""}
            </span>
          </>
        )}
      </div>,
    );
  }

  return (
    <div
      class="cs-scroller"
      ref={scroller}
      role="tree"
      aria-label={props.label}
      tabIndex={0}
      data-testid="callstack"
      aria-activedescendant={selectedIndex >= first && selectedIndex < last ? idFor(selectedIndex) : undefined}
      onKeyDown={onKeyDown}
      onScroll={(e) => {
        const el = e.currentTarget as HTMLDivElement;
        setScroll({ top: el.scrollTop, height: el.clientHeight });
      }}
    >
      {rows.length === 0 ? (
        <div class="cs-empty">No samples on this thread.</div>
      ) : (
        <div class="cs-spacer" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
          {items}
        </div>
      )}
    </div>
  );
}
