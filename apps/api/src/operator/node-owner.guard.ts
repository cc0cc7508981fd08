import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { MemberEntity, NodeOperatorRepository, OwnedNodeRow } from '@app/db';
import { ProblemException } from '../common/problem';

type OperatorRequest = Request & { member?: MemberEntity; operatedNode?: OwnedNodeRow };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs after MemberTokenGuard (which signs the member in, by session cookie with its CSRF check on
 * writes, or by member token): the `:nodeId` of the path must be a node this member owns. Another
 * member's node and a node that does not exist get the same 404, so nobody learns which ids exist.
 * The node is available as `@OperatedNode()`.
 */
@Injectable()
export class NodeOwnerGuard implements CanActivate {
  constructor(private readonly operators: NodeOperatorRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<OperatorRequest>();
    if (!req.member) throw new Error('NodeOwnerGuard needs MemberTokenGuard before it');
    const nodeId = req.params.nodeId;
    if (typeof nodeId !== 'string' || !UUID.test(nodeId)) {
      throw new ProblemException(400, 'validation_failed', 'nodeId must be a UUID', [{ field: 'nodeId', code: 'isUuid', message: 'nodeId must be a UUID' }]);
    }
    const owned = await this.operators.ownedNode(nodeId, req.member.id);
    if (!owned) throw new ProblemException(404, 'not_found', `node ${nodeId} is not one of your nodes`);
    req.operatedNode = owned;
    return true;
  }
}

export const OperatedNode = createParamDecorator((_: unknown, ctx: ExecutionContext): OwnedNodeRow => {
  const node = ctx.switchToHttp().getRequest<OperatorRequest>().operatedNode;
  if (!node) throw new Error('OperatedNode used without NodeOwnerGuard');
  return node;
});
