import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { Logger, LoggerOptions } from 'pino';
import { appConfig, AppConfig } from './app.config';
import { secretPattern } from './secret-pattern';

type LoggerConfig = Pick<AppConfig, 'logLevel' | 'secrets'>;

/**
 * Every process logs one JSON line per event, with credentials redacted wherever they appear: by
 * field, and, for the configured secrets, anywhere in the line and in any encoding (a client may
 * paste a token into a URL, percent-encoded or in base64).
 */
export function loggerOptions(app: LoggerConfig): LoggerOptions {
  const secrets = secretPattern(app.secrets);
  return {
    level: app.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', '*.adminToken', '*.secrets'],
      censor: '[redacted]',
    },
    ...(secrets && { hooks: { streamWrite: (line: string) => line.replace(secrets, '[redacted]') } }),
  };
}

let destination: pino.DestinationStream | undefined;

/** Where every logger created from now on writes (standard output when unset). Specs collect the lines of the apps they run in-process. */
export function setLogDestination(stream: pino.DestinationStream | undefined): void {
  destination = stream;
}

export function createLogger(app: LoggerConfig): Logger {
  return destination ? pino(loggerOptions(app), destination) : pino(loggerOptions(app));
}

/**
 * Nest's logger is pino (nestjs-pino). Request lines (failures) are logged by the api with the
 * request's own Fastify logger, so they carry its id. With LOG_REQUEST_CONTEXT, that logger is also
 * bound (`useExisting`, AsyncLocalStorage) to every line logged anywhere while the request is handled.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) => ({
        pinoHttp: { logger: createLogger(app) },
        useExisting: true,
        forRoutes: app.logRequestContext ? undefined : [],
      }),
    }),
  ],
})
export class PolarisLoggerModule {}
