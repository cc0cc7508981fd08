import { createParamDecorator, ExecutionContext, Param, ParseUUIDPipe } from '@nestjs/common';
import type { Request } from 'express';
import { isWorkingPhase, PROJECT_PHASES } from '@app/contracts';
import { ProblemException } from './problem';

/** A `:id` path parameter that must be a UUID (400 naming the field otherwise). */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new ProblemException(400, 'validation_failed', `${name} must be a UUID`, [
          { field: name, code: 'isUuid', message: `${name} must be a UUID` },
        ]),
    }),
  );

/**
 * The `Idempotency-Key` request header (1–255 visible ASCII characters): optional, or required with
 * `@IdempotencyKey('required')`. Retrying a request with the same key returns the first result
 * instead of doing the work twice.
 */
export const IdempotencyKey = createParamDecorator((mode: 'required' | undefined, ctx: ExecutionContext): string | undefined => {
  const raw = ctx.switchToHttp().getRequest<Request>().headers['idempotency-key'];
  if (raw === undefined) {
    if (mode !== 'required') return undefined;
    throw new ProblemException(400, 'validation_failed', 'Idempotency-Key header is required: money and ownership move once per key', [
      { field: 'Idempotency-Key', code: 'isRequired', message: 'header is required' },
    ]);
  }
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ProblemException(400, 'validation_failed', 'Idempotency-Key must be 1-255 visible ASCII characters', [
      { field: 'Idempotency-Key', code: 'invalidHeader', message: 'must be 1-255 visible ASCII characters' },
    ]);
  }
  return key;
});

/** A `:phase` path parameter naming a working phase (400 naming the allowed values otherwise). */
export const PhaseParam = () =>
  Param('phase', {
    transform(value: string) {
      if (isWorkingPhase(value)) return value;
      throw new ProblemException(400, 'validation_failed', `phase must be one of ${PROJECT_PHASES.join(', ')}`, [
        { field: 'phase', code: 'isIn', message: `phase must be one of ${PROJECT_PHASES.join(', ')}` },
      ]);
    },
  });
