/**
 * Tracing with the OpenTelemetry SDK recording every span into an in-memory exporter (reset every second so
 * memory stays bounded), W3C propagators and the AsyncLocalStorage context manager.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { McpTracing } from '../../../src/observability/tracing.js';
import { serveEcho } from './base.js';

await serveEcho(() => {
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  setInterval(() => exporter.reset(), 1000).unref();
  new McpTracing();
});
