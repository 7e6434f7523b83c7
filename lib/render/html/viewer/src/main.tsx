// Placeholder entry point; the UI replaces it with the call-stack and
// timeline views.
import { render } from "preact";

function App() {
  return <h1>libpyinstrument</h1>;
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
