import { AssetEntity, AssetMovementEntity, AssetShareEntity, ShareTransferEntity } from './asset.entity';
import { LedgerAccountEntity, LedgerEntryEntity, LedgerTransactionEntity } from './ledger.entity';
import { LocationEntity } from './location.entity';
import { MemberEntity } from './member.entity';
import { NodeEntity } from './node.entity';
import { ProjectEntity } from './project.entity';
import { ProjectEventEntity } from './project-event.entity';
import { RequestKeyEntity } from './request-key.entity';

export * from './asset.entity';
export * from './ledger.entity';
export * from './location.entity';
export * from './member.entity';
export * from './node.entity';
export { ProjectEntity, ProjectEventEntity, RequestKeyEntity };
export const ENTITIES = [
  ProjectEntity,
  ProjectEventEntity,
  MemberEntity,
  LocationEntity,
  NodeEntity,
  AssetEntity,
  AssetShareEntity,
  AssetMovementEntity,
  ShareTransferEntity,
  LedgerAccountEntity,
  LedgerTransactionEntity,
  LedgerEntryEntity,
  RequestKeyEntity,
];
