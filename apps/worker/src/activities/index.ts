import { BuyoutActivities } from './buyout.activities';
import { DecisionActivities } from './decision.activities';
import { FlowActivities } from './flow.activities';
import { FundingActivities } from './funding.activities';
import { IncomeActivities } from './income.activities';
import { JobActivities } from './job.activities';
import { MarketActivities } from './market.activities';
import { OrderActivities } from './order.activities';
import { PaymentActivities } from './payment.activities';
import { PhaseActivities } from './phase.activities';
import { ProjectActivities } from './project.activities';

/** Every activity provider the worker registers. Add a class here when a capability adds one. */
export const ACTIVITY_CLASSES = [ProjectActivities, DecisionActivities, FundingActivities, JobActivities, OrderActivities, PhaseActivities, PaymentActivities, IncomeActivities, BuyoutActivities, MarketActivities, FlowActivities] as const;
