import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RequestKeyEntity } from '../entities/request-key.entity';

/**
 * The answers given to requests made with an Idempotency-Key whose effect lives outside this
 * database (`request_keys`): claimed before the request runs, answered after.
 */
@Injectable()
export class RequestKeysRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Claims the key for this request (the first claim wins; a later one changes nothing) and
   * answers the key's row as it stands: the first request's hash, and its answer if it has one.
   */
  async claim(key: string, scope: string, requestHash: string): Promise<RequestKeyEntity> {
    await this.ds.query(`INSERT INTO request_keys (key, scope, request_hash) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`, [key, scope, requestHash]);
    return this.ds.getRepository(RequestKeyEntity).findOneByOrFail({ key });
  }

  /** Stores the answer a retry under the key gets. */
  async answer(key: string, status: number, body: object): Promise<void> {
    await this.ds.getRepository(RequestKeyEntity).update({ key }, { responseStatus: status, responseBody: body });
  }
}
