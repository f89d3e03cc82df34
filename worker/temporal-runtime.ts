import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { LogLevel, Logger } from '../platform/logger';

const levels: Record<TemporalLogLevel, LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

const rank: Record<TemporalLogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/**
 * The SDK's logger interface over our JSON logger, so worker, workflow (`log` from @temporalio/workflow) and
 * Temporal core messages come out as one stream of JSON lines with the same redaction.
 */
export class TemporalLogAdapter implements TemporalLogger {
  /** `minimum` keeps the SDK's routine INFO chatter (worker state changes) out unless LOG_LEVEL is debug. */
  constructor(
    private readonly logger: Logger,
    private readonly minimum: TemporalLogLevel = 'WARN',
  ) {}

  log(level: TemporalLogLevel, message: string, meta?: LogMetadata): void {
    if (rank[level] < rank[this.minimum]) return;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta ?? {})) fields[key] = value;
    this.logger[levels[level]](message, fields);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Installs the process's Temporal runtime (once, before any connection or worker): its logs, core's included,
 * go through the JSON logger, and its own metrics (slots, poll and schedule-to-start latency, workflow task
 * failures, sticky cache; https://docs.temporal.io/references/sdk-metrics) are exported in Prometheus format on
 * a loopback port that worker/http-server.ts serves together with the application metrics.
 */
export function installTemporalRuntime(options: {
  logger: Logger;
  level: LogLevel;
  metricsBindAddress: string;
}): void {
  const core = options.level === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new TemporalLogAdapter(options.logger, core),
    telemetryOptions: {
      logging: { forward: {}, filter: { core, other: 'ERROR' } },
      metrics: { prometheus: { bindAddress: options.metricsBindAddress, useSecondsForDurations: true } },
    },
  });
}
