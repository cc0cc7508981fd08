/** Every migration, in order. `npm run migration:generate -- <Name>` adds a file; list it here. */
import { Init1795252725560 } from './1795252725560-Init';
import { Registry1795255602236 } from './1795255602236-Registry';
import { IdempotentRejections1795255955512 } from './1795255955512-IdempotentRejections';
import { RequestKeys1795256650728 } from './1795256650728-RequestKeys';
import { Decisions1795258864620 } from './1795258864620-Decisions';
import { FundingRounds1795260591784 } from './1795260591784-FundingRounds';
import { WebhookAttempts1795262632489 } from './1795262632489-WebhookAttempts';
import { Jobs1795264249801 } from './1795264249801-Jobs';
import { OutputOrders1795265494896 } from './1795265494896-OutputOrders';
import { ProjectPhases1795268899750 } from './1795268899750-ProjectPhases';
import { MailRelay1796024363236 } from './1796024363236-MailRelay';
import { WebSessions1796024539394 } from './1796024539394-WebSessions';
import { CrowdRounds1796024787370 } from './1796024787370-CrowdRounds';
import { JobOffers1796025167942 } from './1796025167942-JobOffers';
import { AnswersAndOrdersInDatabase1796026879315 } from './1796026879315-AnswersAndOrdersInDatabase';
import { PricedJobs1796030000000 } from './1796030000000-PricedJobs';
import { CoordinatorsAndAudit1796054270921 } from './1796054270921-CoordinatorsAndAudit';
import { NodeLevelChanges1796066280139 } from './1796066280139-NodeLevelChanges';
import { AssetIncome1796080000000 } from './1796080000000-AssetIncome';
import { OutputCredits1796090000000 } from './1796090000000-OutputCredits';
import { MarketTables1796100000000 } from './1796100000000-Market';
import { Leases1796110000000 } from './1796110000000-Leases';
import { Buyouts1796120000000 } from './1796120000000-Buyouts';
import { Flows1796130000000 } from './1796130000000-Flows';
import { FlowHandoffSignals1796130000100 } from './1796130000100-FlowHandoffSignals';
import { PledgeFunctions1796140000000 } from './1796140000000-PledgeFunctions';

export const MIGRATIONS: Function[] = [Init1795252725560, Registry1795255602236, IdempotentRejections1795255955512, RequestKeys1795256650728, Decisions1795258864620, FundingRounds1795260591784, WebhookAttempts1795262632489, Jobs1795264249801, OutputOrders1795265494896, ProjectPhases1795268899750, MailRelay1796024363236, WebSessions1796024539394, CrowdRounds1796024787370, JobOffers1796025167942, AnswersAndOrdersInDatabase1796026879315, PricedJobs1796030000000, CoordinatorsAndAudit1796054270921, NodeLevelChanges1796066280139, AssetIncome1796080000000, OutputCredits1796090000000, MarketTables1796100000000, Leases1796110000000, Buyouts1796120000000, Flows1796130000000, FlowHandoffSignals1796130000100, PledgeFunctions1796140000000];
