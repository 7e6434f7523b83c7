// Entry point: reads the session the C++ renderer embedded (or shows the
// empty state) and mounts the viewer.

import { render } from "preact";
import { App } from "./ui/App";
import { loadEmbedded } from "./ui/load";
import { installHooks } from "./ui/testHooks";
import "./ui/styles.css";

installHooks();
const root = document.getElementById("app");
if (root !== null) render(<App initial={loadEmbedded(document)} />, root);
