import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { prefetchView } from "./views/Views";
import "./styles.css";

// The URL's view is fetched while the configuration and the node's status are asked for.
prefetchView();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
