// The page: header, options, and the active view over one session. Holds
// the reader's choices (view, thread, options, search) and derives each
// view's processed tree from them, so every change re-runs the processors
// in the page.

import { useEffect, useLayoutEffect, useMemo, useState } from "preact/hooks";
import type { SessionData } from "../data/model";
import { buildPalette } from "../data/palette";
import { matchMask, searchFrames } from "../data/search";
import { type FrameTree, NodeKind } from "../data/tree";
import { CallStackView } from "./CallStackView";
import { type FlameLane, layoutFlame } from "./flame";
import { DARK_THEME, type FlameStyle } from "./flameCanvas";
import { FlameView, type TooltipInfo } from "./FlameView";
import { formatDuration, secondsDecimals, shortPath } from "./format";
import { Header, threadLabel } from "./Header";
import { type LoadResult, loadFile } from "./load";
import {
  browserStore,
  DEFAULT_OPTIONS,
  loadOptions,
  loadView,
  saveOptions,
  saveView,
  type ViewName,
  type ViewOptions,
} from "./options";
import { OptionsPanel } from "./OptionsPanel";
import { buildViewTree } from "./pipeline";
import { setViewState } from "./testHooks";

export function App({ initial }: { initial: LoadResult }) {
  const [load, setLoadState] = useState<LoadResult>(initial);
  const [dragging, setDragging] = useState(false);
  // A bad file dropped onto a shown profile keeps the profile and says why.
  const [dropError, setDropError] = useState<string | null>(null);
  const setLoad = (result: LoadResult) => {
    if (result.kind === "error") {
      let kept = false;
      setLoadState((current) => {
        kept = current.kind === "loaded";
        return kept ? current : result;
      });
      setDropError(kept ? result.message : null);
      return;
    }
    setDropError(null);
    setLoadState(result);
  };

  // A .pb dropped anywhere on the page replaces the profile.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file !== undefined) void loadFile(file).then(setLoad);
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", over);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", over);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, []);

  const banner =
    dropError !== null && load.kind === "loaded" ? (
      <div class="drop-error" role="alert" data-testid="drop-error">
        <span>{dropError}</span>
        <button type="button" aria-label="Dismiss" onClick={() => setDropError(null)}>
          ×
        </button>
      </div>
    ) : null;
  const overlay = dragging ? (
    <div class="drop-overlay" data-testid="drop-overlay">
      Drop a libpyinstrument .pb file to open it
    </div>
  ) : null;

  if (load.kind !== "loaded") {
    return (
      <>
        <EmptyState load={load} onLoad={setLoad} />
        {overlay}
      </>
    );
  }
  return (
    <>
      <Viewer key={load.session as unknown as string} session={load.session} source={load.source} />
      {banner}
      {overlay}
    </>
  );
}

function EmptyState({ load, onLoad }: { load: LoadResult; onLoad(result: LoadResult): void }) {
  useEffect(() => setViewState(load.kind === "error" ? "error" : "empty", true), [load]);
  return (
    <main class="empty" data-testid={load.kind === "error" ? "error-state" : "empty-state"}>
      <div class="empty-box">
        <div class="empty-title">Drop a libpyinstrument .pb file here</div>
        {load.kind === "error" ? (
          <div class="error-text" data-testid="error-message">
            {load.message}
          </div>
        ) : null}
        <label class="file-button">
          or choose a file
          <input
            type="file"
            accept=".pb,application/octet-stream"
            data-testid="file-input"
            onChange={(e) => {
              const file = (e.currentTarget as HTMLInputElement).files?.[0];
              if (file !== undefined) void loadFile(file).then(onLoad);
            }}
          />
        </label>
      </div>
    </main>
  );
}

/** The first thread with samples (the host's main thread, usually). */
function firstThread(session: SessionData): number {
  const i = session.threads.findIndex((t) => t.sampleNodes.length > 0);
  return Math.max(0, i);
}

function ownTime(tree: FrameTree, node: number): number {
  let frames = 0;
  for (const child of tree.children[node]) if (tree.kind[child] === NodeKind.Frame) frames += tree.totalNs[child];
  return Math.max(0, tree.totalNs[node] - frames);
}

function Viewer({ session, source }: { session: SessionData; source: string }) {
  const store = useMemo(() => browserStore(), []);
  const [view, setView] = useState<ViewName>(() => loadView(store));
  const [options, setOptions] = useState<ViewOptions>(() => loadOptions(store));
  const [threadIndex, setThreadIndex] = useState(() => firstThread(session));
  const [search, setSearch] = useState("");
  const [optionsOpen, setOptionsOpen] = useState(false);

  // Layout effects run as the change is committed; plain effects wait for the
  // next paint, and a reload or a closed tab before it lost the choice.
  useLayoutEffect(() => {
    saveOptions(store, options);
  }, [options]);
  useLayoutEffect(() => {
    saveView(store, view);
    setViewState(view, true);
  }, [view]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target !== null && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
      if (e.key !== "/" || typing || e.ctrlKey || e.metaKey || e.altKey) return;
      const box = document.querySelector<HTMLInputElement>("[data-testid=search-input]");
      if (box === null) return;
      e.preventDefault();
      box.focus();
      box.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const palette = useMemo(() => buildPalette(session), [session]);
  const colorTable = useMemo(() => {
    const colors: string[] = [];
    const index = new Map<string, number>();
    const frameColor = new Uint16Array(session.frames.length);
    palette.frameColors.forEach((c, i) => {
      let k = index.get(c);
      if (k === undefined) {
        k = colors.length;
        index.set(c, k);
        colors.push(c);
      }
      frameColor[i] = k;
    });
    if (colors.length === 0) colors.push("#888");
    return { colors, frameColor };
  }, [palette]);

  const searchResult = useMemo(() => searchFrames(session.frames, search), [session, search]);
  const frameMask = useMemo(
    () => (search.trim() === "" || searchResult.error !== null ? null : matchMask(session.frames.length, searchResult.matches)),
    [searchResult, search],
  );
  const searchInfo =
    search.trim() === "" ? "" : `${searchResult.matches.length} frame${searchResult.matches.length === 1 ? "" : "s"} match`;

  const decimals = secondsDecimals(session.intervalNs);
  const treeView = view === "timeline" ? null : view;
  const tree = useMemo(
    () => (treeView === null ? null : buildViewTree(session, threadIndex, treeView, options)),
    [session, threadIndex, treeView, options],
  );

  const lanes = useMemo((): FlameLane[] | null => {
    const colorOf = (t: FrameTree) => (node: number) => colorTable.frameColor[t.frame[node]];
    if (view === "timeline") {
      return session.threads.map((thread, i) => {
        const t = buildViewTree(session, i, "timeline", options);
        return layoutFlame(t, threadLabel(session, i), thread.startOffsetNs, colorOf(t));
      });
    }
    if (view === "icicle" && tree !== null) return [layoutFlame(tree, "", 0, colorOf(tree))];
    return null;
  }, [view, tree, session, options, colorTable]);

  const flameStyle = useMemo((): FlameStyle | null => {
    if (lanes === null) return null;
    const library = lanes.map((lane) => {
      const t = lane.tree;
      const mask = new Uint8Array(t.size);
      for (let n = 0; n < t.size; n++) if (t.kind[n] === NodeKind.Frame && session.frames[t.frame[n]].isLibrary) mask[n] = 1;
      return mask;
    });
    const matches =
      frameMask === null
        ? null
        : lanes.map((lane) => {
            const t = lane.tree;
            const mask = new Uint8Array(t.size);
            for (let n = 0; n < t.size; n++) if (t.kind[n] === NodeKind.Frame && frameMask[t.frame[n]] === 1) mask[n] = 1;
            return mask;
          });
    return {
      colors: colorTable.colors,
      library,
      matches,
      label: (lane, node) => {
        const t = lanes[lane].tree;
        const name = session.frames[t.frame[node]].function || "<unknown>";
        return t.recursionDepth[node] > 1 ? `${name} ×${t.recursionDepth[node]}` : name;
      },
      theme: DARK_THEME,
    };
  }, [lanes, frameMask, colorTable, session]);

  const describe = (lane: number, node: number): TooltipInfo => {
    const t = lanes![lane].tree;
    const frame = session.frames[t.frame[node]];
    const laneTotal = t.totalNs[t.root];
    const share = laneTotal > 0 ? ` (${((t.totalNs[node] / laneTotal) * 100).toFixed(1)}%)` : "";
    const lines: Array<[string, string]> = [
      ["Time", formatDuration(t.totalNs[node]) + share],
      ["Self time", formatDuration(ownTime(t, node))],
      ["Location", `${frame.file === "" ? "unknown file" : frame.file}${frame.line > 0 ? `:${frame.line}` : ""}`],
    ];
    if (frame.isLibrary) lines.push(["Library", frame.library || shortPath(frame.file)]);
    else if (frame.module !== "") lines.push(["Module", frame.module]);
    if (lanes!.length > 1) lines.push(["Thread", lanes![lane].label]);
    return { title: frame.function || "<unknown>", lines };
  };

  const timelineTotal = useMemo(() => {
    if (view !== "timeline" || lanes === null) return 0;
    let end = session.durationNs;
    for (const lane of lanes) end = Math.max(end, lane.offsetNs + lane.totalNs);
    return end;
  }, [lanes, view, session]);

  let body;
  if (view === "timeline" && lanes !== null && flameStyle !== null) {
    body = (
      <FlameView
        lanes={lanes}
        style={flameStyle}
        totalNs={timelineTotal}
        showAxis={true}
        describe={describe}
        testId="timeline"
        label="Timeline: each thread's frames in time order"
      />
    );
  } else if (view === "icicle" && lanes !== null && flameStyle !== null) {
    body = (
      <FlameView
        lanes={lanes}
        style={flameStyle}
        totalNs={lanes[0].totalNs}
        showAxis={false}
        describe={describe}
        testId="icicle"
        label="Flame graph of the aggregated call tree"
      />
    );
  } else if (tree !== null) {
    body = (
      <CallStackView
        key={`${view}:${threadIndex}`}
        session={session}
        tree={tree}
        timeFormat={options.timeFormat}
        decimals={decimals}
        frameMatches={frameMask}
        label={view === "inverted" ? "Callers tree" : "Call stack"}
      />
    );
  }

  return (
    <div class="page">
      <Header
        session={session}
        source={source}
        threadIndex={threadIndex}
        onThread={setThreadIndex}
        view={view}
        onView={setView}
        search={search}
        onSearch={setSearch}
        searchInfo={searchInfo}
        searchError={searchResult.error}
        optionsOpen={optionsOpen}
        onToggleOptions={() => setOptionsOpen((o) => !o)}
      />
      {optionsOpen ? (
        <OptionsPanel options={options} onChange={setOptions} onReset={() => setOptions({ ...DEFAULT_OPTIONS })} />
      ) : null}
      <main class="view" data-testid={`view-body-${view}`}>
        {body}
      </main>
    </div>
  );
}
