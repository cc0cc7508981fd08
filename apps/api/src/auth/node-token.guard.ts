import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { NodeEntity, NodeTokenEntity } from '@app/db';
import { ProblemException } from '../common/problem';
import { hashToken } from './token-hash';

export const NODE_TOKEN_PREFIX = 'dpn_node_';
type NodeRequest = Request & { node?: NodeEntity };

/**
 * Requires `Authorization: Bearer dpn_node_…`, a node token the coordinator issued. Revoked
 * tokens are refused; a suspended node may still finish and report the work it holds.
 */
@Injectable()
export class NodeTokenGuard implements CanActivate {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<NodeRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !match[1].startsWith(NODE_TOKEN_PREFIX)) {
      throw new ProblemException(401, 'unauthorized', 'a node token is required: send Authorization: Bearer dpn_node_…');
    }
    const token = await this.ds.getRepository(NodeTokenEntity).findOne({ where: { tokenHash: hashToken(match[1]) }, relations: { node: true } });
    if (!token || token.revokedAt || !token.node) throw new ProblemException(401, 'unauthorized', 'the node token is not valid or was revoked');
    req.node = token.node;
    return true;
  }
}

export const CurrentNode = createParamDecorator((_: unknown, ctx: ExecutionContext): NodeEntity => {
  const node = ctx.switchToHttp().getRequest<NodeRequest>().node;
  if (!node) throw new Error('CurrentNode used without NodeTokenGuard');
  return node;
});
