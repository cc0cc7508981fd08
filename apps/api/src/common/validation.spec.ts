import { ArgumentMetadata } from '@nestjs/common';
import { CreateProjectDto, ListProjectsQuery } from '../projects/dto/project.dto';
import { ProblemException } from './problem';
import { createValidationPipe } from './validation';

const pipe = createValidationPipe();
const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

async function problem(value: unknown, meta: ArgumentMetadata): Promise<ProblemException> {
  try {
    await pipe.transform(value, meta);
  } catch (e) {
    return e as ProblemException;
  }
  throw new Error('expected a validation failure');
}

describe('validation pipe', () => {
  it('passes and trims a valid body', async () => {
    await expect(pipe.transform({ name: '  Greenhouse ' }, body(CreateProjectDto))).resolves.toEqual({ name: 'Greenhouse' });
  });

  it('lists one error per bad field, with machine-readable codes', async () => {
    const p = await problem({ name: 3, extra: true, description: 'x'.repeat(5001) }, body(CreateProjectDto));
    expect(p.status).toBe(400);
    expect(p.code).toBe('validation_failed');
    expect(p.errors).toHaveLength(3);
    expect(p.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', code: 'isString', message: 'name must be a string' },
        { field: 'description', code: 'maxLength', message: 'description must be shorter than or equal to 5000 characters' },
        { field: 'extra', code: 'unknownField', message: 'extra is not a known field' },
      ]),
    );
  });

  it('converts and checks query parameters', async () => {
    await expect(pipe.transform({ limit: '5', offset: '10' }, { type: 'query', metatype: ListProjectsQuery })).resolves.toEqual({ limit: 5, offset: 10 });
    const p = await problem({ limit: 'many' }, { type: 'query', metatype: ListProjectsQuery });
    expect(p.errors).toEqual([expect.objectContaining({ field: 'limit', code: 'isInt' })]);
  });

  it('bounds every number in a query string, whatever the DTO declares', async () => {
    for (const offset of ['1e20', '99999999999999999999', '2147483648', '-2147483649']) {
      const p = await problem({ offset }, { type: 'query', metatype: ListProjectsQuery });
      expect(p).toMatchObject({ status: 400, code: 'validation_failed', errors: [expect.objectContaining({ field: 'offset' })] });
    }
    await expect(pipe.transform({ offset: '2147483647' }, { type: 'query', metatype: ListProjectsQuery })).resolves.toEqual({ offset: 2147483647 });
  });
});
