import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { loadEnvironment } from '@app/config';
import { WorkerModule } from './worker.module';

/** Builds the worker exactly as production runs it; main.ts and the e2e specs both use this. */
export async function createWorkerApp(): Promise<NestFastifyApplication> {
  loadEnvironment(); // fail before anything starts when the configuration is bad
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule, new FastifyAdapter(), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
}
