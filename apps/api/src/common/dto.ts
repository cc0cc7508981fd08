/** Validation pieces shared by the DTOs of every capability. */
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min, registerDecorator, ValidationOptions } from 'class-validator';
import { ProblemException } from './problem';
import { MAX_QUERY_NUMBER } from './validation';
import { CURRENCY_CODES, MAX_AMOUNT, parseMinorUnits } from '@app/domain';

/** `limit` and `offset` of every list endpoint. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_QUERY_NUMBER, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @Max(MAX_QUERY_NUMBER)
  @Min(0)
  @IsInt()
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const pageOf = (q: PageQuery) => ({ limit: q.limit ?? 20, offset: q.offset ?? 0 });

/** Trims surrounding whitespace from a string value before it is validated. */
export const Trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** Turns a JSON string of digits (or a safe integer) into a bigint; leaves anything else for the validator to reject. */
export const ToBigInt = () => Transform(({ value }) => parseMinorUnits(value) ?? value);

/**
 * An exact integer amount (bigint) within [min, MAX_AMOUNT], sent as a string of digits
 * ("12500") or a safe JSON integer. Floats, exponents and leading zeros are refused.
 */
export function IsIntegerAmount(opts: { min: bigint; max?: bigint }, validation?: ValidationOptions) {
  const max = opts.max ?? MAX_AMOUNT;
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isIntegerAmount',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a whole number of minor units from ${opts.min} to ${max}, as a string of digits or a JSON integer`,
        ...validation,
      },
      validator: { validate: (v: unknown) => typeof v === 'bigint' && v >= opts.min && v <= max },
    });
}

export const CURRENCY_DOC = { enum: CURRENCY_CODES, example: 'EUR', description: 'ISO 4217 code' };
export const AMOUNT_DOC = { type: String, example: '12500', description: 'Integer minor units (12500 = 125.00 EUR), as a string' };

/**
 * `@IsOptional()` lets `null` through as "absent"; in a PATCH body `null` means "clear this", which
 * only some fields allow. Refuses `null` for every other field with a 400 naming it.
 */
export function rejectNulls<T extends object>(dto: T, nullable: ReadonlyArray<keyof T> = []): T {
  const bad = Object.entries(dto).filter(([k, v]) => v === null && !nullable.includes(k as keyof T)).map(([k]) => k);
  if (bad.length) {
    throw new ProblemException(400, 'validation_failed', `${bad.join(', ')} cannot be null`, bad.map((field) => ({ field, code: 'notNull', message: `${field} cannot be null` })));
  }
  return dto;
}
