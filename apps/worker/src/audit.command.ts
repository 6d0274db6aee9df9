import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isRedisUnavailable } from '@app/cache';
import { appConfig } from '@app/config';
import {
  AUDIT_EXIT,
  AUDIT_USAGE,
  auditExitCode,
  AuditModule,
  AuditOptions,
  AuditService,
  AuditUsageError,
  parseAuditOptions,
  progressFor,
  summaryTable,
  verdict,
} from '@app/consistency';
import { isDatabaseUnavailable } from '@app/database';

/** Only warnings (a source's declaration), on stderr with the progress: stdout carries only the summary. Errors are reported once, by runAudit. */
function warningsTo(err: NodeJS.WritableStream): LoggerService {
  const quiet = () => undefined;
  return { log: quiet, error: quiet, debug: quiet, verbose: quiet, warn: (message: unknown) => err.write(`warning: ${String(message)}\n`) };
}

/**
 * An error as the operator should read it: which store did not answer, when the error tells. While the
 * context starts, only PostgreSQL is dialled (the cache's client connects on its own, and the pass waits for it).
 */
function describe(e: unknown, starting = false): string {
  const message = e instanceof Error ? e.message : String(e);
  const postgres = isDatabaseUnavailable(e);
  const redis = isRedisUnavailable(e) && !starting;
  if (postgres && !redis) return `PostgreSQL did not answer (POSTGRES_URL): ${message}`;
  if (redis && !postgres) return `the cache's Redis did not answer (REDIS_URL or REDIS_CLUSTER_NODES): ${message}`;
  if (redis && postgres) return `PostgreSQL or the cache's Redis did not answer: ${message}`;
  return message;
}

/** `node main audit [options]`: one read-only pass over every guarded source; resolves to the exit status. */
export async function runAudit(argv: readonly string[], out = process.stdout, err = process.stderr): Promise<number> {
  let options: AuditOptions;
  try {
    options = parseAuditOptions(argv);
    if (!options.help) appConfig(); // validates the environment first, as the worker does
    if (options.json) accessSync(dirname(resolve(options.json)), constants.W_OK); // fail now, not after the pass
  } catch (e) {
    const usage = e instanceof AuditUsageError ? `\n\n${AUDIT_USAGE}` : '';
    err.write(`audit: ${(e as Error).message}${usage}\n`);
    return AUDIT_EXIT.error;
  }
  if (options.help) {
    out.write(`${AUDIT_USAGE}\n`);
    return AUDIT_EXIT.consistent;
  }
  const app = await NestFactory.createApplicationContext(AuditModule, {
    logger: warningsTo(err),
    abortOnError: false,
  }).catch((e: Error) => e);
  if (app instanceof Error) {
    err.write(`audit: could not start: ${describe(app, true)}\n`);
    return AUDIT_EXIT.error;
  }
  const progress = progressFor(err);
  try {
    const report = await app.get(AuditService).run(options, progress);
    progress.stop();
    if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    out.write(`${summaryTable(report)}\n${verdict(report)}\n${options.json ? `Full report: ${options.json}\n` : ''}`);
    return auditExitCode(report);
  } catch (e) {
    progress.stop();
    err.write(`audit: ${describe(e)}\n`);
    return AUDIT_EXIT.error;
  } finally {
    await app.close();
  }
}
