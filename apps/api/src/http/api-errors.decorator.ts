import { applyDecorators } from '@nestjs/common';
import {
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorDto } from './error.dto';

/** The errors any rate-limited route backed by PostgreSQL and Redis can answer, whatever it does. */
export const ApiServiceErrors = () =>
  applyDecorators(
    ApiTooManyRequestsResponse({ type: ErrorDto, description: 'Over RATE_LIMIT_PER_MINUTE; see Retry-After' }),
    ApiServiceUnavailableResponse({ type: ErrorDto, description: 'PostgreSQL (or, for writes that need it, Redis) is unreachable' }),
  );

/** The errors of a route that takes a JSON body, before it is even validated. */
export const ApiBodyErrors = () =>
  applyDecorators(
    ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'Body larger than BODY_LIMIT_BYTES' }),
    ApiUnsupportedMediaTypeResponse({ type: ErrorDto, description: 'Content-Type is not application/json' }),
  );
