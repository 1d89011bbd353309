// Where the app talks to, fixed at build time (scripts/run.sh sets them), and
// whether tracing is on: `?tracing=off` in the page's URL, or VITE_TRACING=off
// at build time, skips wasmtrace entirely, for comparing the app without it.
export const API_URL = (import.meta.env.VITE_API_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
export const OTLP_URL = import.meta.env.VITE_OTLP_URL ?? "http://127.0.0.1:4318/v1/traces";
export const TRACING =
  import.meta.env.VITE_TRACING !== "off" && new URLSearchParams(location.search).get("tracing") !== "off";
