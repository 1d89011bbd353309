"""Sends two spans (a SERVER parent with an event and attributes, and a CLIENT
child) through OpenTelemetry Python's OTLP exporter, then exits.

usage: send_otlp.py http|grpc ENDPOINT SERVICE_NAME
  http: opentelemetry-exporter-otlp-proto-http, protobuf with gzip
  grpc: opentelemetry-exporter-otlp-proto-grpc, gzip, plain text
Prints the trace id (32 hex digits) on success; exits 1 if the export failed.
"""
import sys

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind

protocol, endpoint, service = sys.argv[1], sys.argv[2], sys.argv[3]
if protocol == "http":
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=endpoint, compression=Compression.Gzip, timeout=10)
else:
    from grpc import Compression
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=endpoint, insecure=True, compression=Compression.Gzip, timeout=10)

results = []


class Recording(SimpleSpanProcessor):
    def on_end(self, span):
        results.append(self.span_exporter.export((span,)))


provider = TracerProvider(resource=Resource.create({"service.name": service}))
provider.add_span_processor(Recording(exporter))
tracer = provider.get_tracer("wasmtrace-collector-tests", "1.0")
with tracer.start_as_current_span("parent", kind=SpanKind.SERVER) as parent:
    parent.set_attribute("http.request.method", "GET")
    parent.set_attribute("retries", 3)
    parent.set_attribute("ratio", 0.5)
    parent.set_attribute("tags", ["a", "b"])
    parent.add_event("started", {"step": 1})
    with tracer.start_as_current_span("child", kind=SpanKind.CLIENT) as child:
        child.set_attribute("peer.service", "db")
    trace_id = format(parent.get_span_context().trace_id, "032x")
provider.shutdown()
if results != [SpanExportResult.SUCCESS, SpanExportResult.SUCCESS]:
    print(f"export results: {results}", file=sys.stderr)
    sys.exit(1)
print(trace_id)
