// Getting a session into the page: from the <script id="pyi-session"> the
// C++ renderer fills with base64, or from a .pb file dropped on the page.

import { decodeBase64, decodeSession, SessionFormatError } from "../data/decode";
import type { SessionData } from "../data/model";

export type LoadResult =
  | { kind: "empty" }
  | { kind: "loaded"; session: SessionData; source: string }
  | { kind: "error"; message: string };

/** The unreplaced placeholder. Written as a pattern, not as the literal
 * text, so the bundle holds the placeholder exactly once (in the script
 * element) and the C++ side's replacement cannot hit this code. */
const PLACEHOLDER = /^__PYI_[A-Z0-9_]*__$/;

function describe(error: unknown): string {
  // SessionFormatError messages already say which kind of failure it is.
  if (error instanceof SessionFormatError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export function loadBytes(bytes: Uint8Array, source: string): LoadResult {
  try {
    return { kind: "loaded", session: decodeSession(bytes), source };
  } catch (error) {
    return { kind: "error", message: `${source}: ${describe(error)}` };
  }
}

/** The embedded session, if the page carries one. */
export function loadEmbedded(doc: Document): LoadResult {
  const element = doc.getElementById("pyi-session");
  const text = (element?.textContent ?? "").trim();
  if (text === "" || PLACEHOLDER.test(text)) return { kind: "empty" };
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(text);
  } catch (error) {
    return { kind: "error", message: `The embedded session is not valid base64: ${describe(error)}` };
  }
  return loadBytes(bytes, "embedded session");
}

/** A dropped or opened file. */
export async function loadFile(file: File): Promise<LoadResult> {
  try {
    return loadBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (error) {
    return { kind: "error", message: `${file.name}: ${describe(error)}` };
  }
}
