import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([code, message]) => ({
      field,
      code: code === 'whitelistValidation' ? 'unknownField' : code,
      message: code === 'whitelistValidation' ? `${field} is not a known field` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * The largest number any query parameter may carry (PostgreSQL's `integer`). Query numbers are
 * offsets, limits and filters on integer columns; one beyond this range would reach SQL and fail
 * there (a 500), so every query DTO is bounded here at once, whatever its own decorators say.
 */
export const MAX_QUERY_NUMBER = 2_147_483_647;

function queryNumberErrors(dto: unknown): FieldError[] {
  if (dto === null || typeof dto !== 'object') return [];
  return Object.entries(dto)
    .filter(([, v]) => typeof v === 'number' && !(Number.isFinite(v) && Math.abs(v) <= MAX_QUERY_NUMBER))
    .map(([field]) => ({ field, code: 'outOfRange', message: `${field} must be between -${MAX_QUERY_NUMBER} and ${MAX_QUERY_NUMBER}` }));
}

const problemOf = (fieldErrors: FieldError[]) =>
  new ProblemException(
    400,
    'validation_failed',
    `the request has ${fieldErrors.length} invalid field${fieldErrors.length === 1 ? '' : 's'}: ${[...new Set(fieldErrors.map((f) => f.field))].join(', ')}`,
    fieldErrors,
  );

/** The class-validator pipe, plus the global bound on numbers in query strings. */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const out: unknown = await super.transform(value, metadata);
    if (metadata.type === 'query') {
      const errors = queryNumberErrors(out);
      if (errors.length) throw problemOf(errors);
    }
    return out;
  }
}

/**
 * The global validation pipe: DTO classes with class-validator decorators; unknown fields are
 * rejected, values are converted to the declared types (query strings), numbers in query strings
 * are bounded (`MAX_QUERY_NUMBER`), and every failure becomes a 400 problem listing each field error.
 */
export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => problemOf(flatten(errors)),
  });
}
