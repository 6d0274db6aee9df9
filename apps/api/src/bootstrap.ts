import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { appConfig, createLogger } from '@app/config';
import { MetricsService } from '@app/metrics';
import { ApiModule } from './api.module';
import { harden } from './http/hardening';
import { DOCS_PATH } from './http/paths';
import { acceptJsonOnly } from './http/json-body';
import { registerRequestHooks, requestLoggingOptions } from './http/request-context';
import { StrictValidationPipe } from './http/validation.pipe';

/** Builds the api exactly as production runs it; main.ts and the e2e specs both use this. */
export async function createApiApp(): Promise<NestFastifyApplication> {
  const cfg = appConfig(); // validates the environment: a bad variable stops the process before anything starts
  const adapter = new FastifyAdapter({
    bodyLimit: cfg.bodyLimitBytes,
    trustProxy: cfg.trustProxy,
    loggerInstance: createLogger(cfg),
    ...requestLoggingOptions,
  });
  acceptJsonOnly(adapter.getInstance(), cfg.bodyLimitBytes);
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule, adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  registerRequestHooks(adapter.getInstance(), app.get(MetricsService));
  harden(app, cfg);
  app.useGlobalPipes(new StrictValidationPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Polaris')
      .setDescription('Cache-consistency guard for Redis in front of PostgreSQL')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, for the debug routes and the queue board' })
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
