// Sends two spans (a SERVER parent with an event and attributes, and a CLIENT
// child) through OpenTelemetry JS's @opentelemetry/exporter-trace-otlp-http,
// which posts OTLP/JSON. Prints the trace id; exits 1 if the export failed.
// usage: node send_json.mjs URL SERVICE_NAME
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { context, trace } from '@opentelemetry/api';

const [url, service] = process.argv.slice(2);
const exporter = new OTLPTraceExporter({ url, timeoutMillis: 10000 });
const results = [];
const wrapped = {
  export(spans, done) {
    exporter.export(spans, (r) => { results.push(r.code); if (r.error) console.error(r.error); done(r); });
  },
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush(),
};
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [new SimpleSpanProcessor(wrapped)],
});
const tracer = provider.getTracer('wasmtrace-collector-tests', '1.0');
const parent = tracer.startSpan('parent', { kind: 1 /* SERVER */, attributes: { 'http.request.method': 'GET', retries: 3, ratio: 0.5, tags: ['a', 'b'] } });
parent.addEvent('started', { step: 1 });
const ctx = trace.setSpan(context.active(), parent);
const child = tracer.startSpan('child', { kind: 2 /* CLIENT */, attributes: { 'peer.service': 'db' } }, ctx);
child.end();
parent.end();
await provider.forceFlush();
await provider.shutdown();
if (results.length !== 2 || results.some((c) => c !== 0)) {
  console.error(`export results: ${JSON.stringify(results)}`);
  process.exit(1);
}
console.log(parent.spanContext().traceId);
