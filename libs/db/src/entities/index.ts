import { AssetEntity, AssetMovementEntity, AssetShareEntity, ShareTransferEntity } from './asset.entity';
import { AssetSaleEntity, IncomeDistributionEntity, IncomeDistributionLineEntity } from './asset-income.entity';
import { DecisionEntity, DecisionVoterEntity } from './decision.entity';
import { FundingPledgeEntity, FundingRoundEntity, FundingRoundTallyEntity } from './funding-round.entity';
import { LedgerAccountEntity, LedgerEntryEntity, LedgerTransactionEntity } from './ledger.entity';
import { LocationEntity } from './location.entity';
import { MailOutboxEntity } from './mail-outbox.entity';
import { MemberEntity } from './member.entity';
import { MemberTokenEntity } from './member-token.entity';
import { NodeEntity, NodeLevelChangeEntity } from './node.entity';
import { ProjectEntity } from './project.entity';
import { ProjectEventEntity } from './project-event.entity';
import { RequestKeyEntity } from './request-key.entity';
import { JobEntity, JobOfferEntity } from './job.entity';
import { NodeTokenEntity } from './node-token.entity';
import { OutputOrderEntity, OutputPlanEntity } from './output-plan.entity';
import { OutputCreditEntity } from './output-credit.entity';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { SignInRequestEntity, UsedLinkEntity, WebSessionEntity } from './web-session.entity';
import { CoordinatorEntity, CoordinatorTokenEntity } from './coordinator.entity';
import { AuditEventEntity } from './audit-event.entity';
import { ProjectOutputEntity, ProjectPhaseEntity, ProjectPhaseEventEntity, ProjectPhasePlanEntity } from './project-phase.entity';

export * from './asset.entity';
export * from './asset-income.entity';
export * from './decision.entity';
export * from './funding-round.entity';
export * from './mail-outbox.entity';
export * from './member-token.entity';
export * from './webhook-attempt.entity';
export * from './job.entity';
export * from './node-token.entity';
export * from './output-plan.entity';
export * from './output-credit.entity';
export * from './ledger.entity';
export * from './location.entity';
export * from './member.entity';
export * from './node.entity';
export * from './project-phase.entity';
export * from './web-session.entity';
export * from './coordinator.entity';
export * from './audit-event.entity';
export { ProjectEntity, ProjectEventEntity, RequestKeyEntity };
export const ENTITIES = [
  ProjectEntity,
  ProjectEventEntity,
  MemberEntity,
  LocationEntity,
  NodeEntity,
  NodeLevelChangeEntity,
  AssetEntity,
  AssetShareEntity,
  AssetMovementEntity,
  ShareTransferEntity,
  AssetSaleEntity,
  IncomeDistributionEntity,
  IncomeDistributionLineEntity,
  LedgerAccountEntity,
  LedgerTransactionEntity,
  LedgerEntryEntity,
  RequestKeyEntity,
  MemberTokenEntity,
  DecisionEntity,
  DecisionVoterEntity,
  MailOutboxEntity,
  FundingRoundEntity,
  FundingPledgeEntity,
  FundingRoundTallyEntity,
  WebhookAttemptEntity,
  JobEntity,
  JobOfferEntity,
  NodeTokenEntity,
  OutputPlanEntity,
  OutputOrderEntity,
  OutputCreditEntity,
  ProjectPhasePlanEntity,
  ProjectPhaseEntity,
  ProjectPhaseEventEntity,
  ProjectOutputEntity,
  WebSessionEntity,
  UsedLinkEntity,
  SignInRequestEntity,
  CoordinatorEntity,
  CoordinatorTokenEntity,
  AuditEventEntity,
];
