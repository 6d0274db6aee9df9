import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { appConfig } from '@app/config';
import { WorkerModule } from './worker.module';

/** Builds the worker exactly as production runs it; main.ts and the e2e specs both use this. */
export async function createWorkerApp(): Promise<NestFastifyApplication> {
  appConfig(); // validates the environment: a bad variable stops the process before anything starts
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule, new FastifyAdapter(), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  return app;
}
