// The workload page for otel: the shared workloads over the otel adapter.
import * as adapter from "./adapters/otel.js";
import { makeBench } from "./workloads.js";

window.bench = makeBench(adapter);
window.__benchLoaded = true;
