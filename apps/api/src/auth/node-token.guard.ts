import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { NodeEntity, TokensRepository } from '@app/db';
import { bearerTokenHolder, TOKEN_PREFIXES } from './bearer-token';

export const NODE_TOKEN_PREFIX = TOKEN_PREFIXES.node;
type NodeRequest = Request & { node?: NodeEntity };

/**
 * Requires `Authorization: Bearer dpn_node_…`, a node token the coordinator issued. Revoked
 * tokens are refused; a suspended node may still finish and report the work it holds.
 */
@Injectable()
export class NodeTokenGuard implements CanActivate {
  constructor(private readonly tokens: TokensRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<NodeRequest>();
    req.node = await bearerTokenHolder(this.tokens, 'node', req.headers.authorization);
    return true;
  }
}

export const CurrentNode = createParamDecorator((_: unknown, ctx: ExecutionContext): NodeEntity => {
  const node = ctx.switchToHttp().getRequest<NodeRequest>().node;
  if (!node) throw new Error('CurrentNode used without NodeTokenGuard');
  return node;
});
