import { ValueTransformer } from 'typeorm';

/** PostgreSQL bigint ⇄ JavaScript bigint (the pg driver hands bigint over as a string). */
export const bigintColumn: ValueTransformer = {
  to: (v: bigint | null | undefined) => (v === null || v === undefined ? v : v.toString()),
  from: (v: string | null) => (v === null ? null : BigInt(v)),
};
