// The workload page for wasmtrace: the shared workloads over the wasmtrace adapter.
import * as adapter from "./adapters/wasmtrace.js";
import { makeBench } from "./workloads.js";

window.bench = makeBench(adapter);
window.__benchLoaded = true;
