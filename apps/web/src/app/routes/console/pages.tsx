import type { RouteObject } from 'react-router';
import { ConsoleAccountRoute } from './account';
import { ConsoleAssetRoute } from './asset';
import { ConsoleAssetsRoute } from './assets';
import { ConsoleDecisionRoute } from './decision';
import { ConsoleDecisionsRoute } from './decisions';
import { ConsoleLocationsRoute } from './locations';
import { ConsoleMailRoute } from './mail';
import { ConsoleMembersRoute } from './members';
import { ConsoleWebhooksRoute } from './webhooks';

/**
 * The console's reading pages under /console: assets, an account's statement, members,
 * locations, decisions (who answered, never what), the mail sent and nodes' webhook attempts.
 */
export const CONSOLE_PAGES: RouteObject[] = [
  { path: 'assets', element: <ConsoleAssetsRoute /> },
  { path: 'assets/:id', element: <ConsoleAssetRoute /> },
  { path: 'ledger/:id', element: <ConsoleAccountRoute /> },
  { path: 'members', element: <ConsoleMembersRoute /> },
  { path: 'locations', element: <ConsoleLocationsRoute /> },
  { path: 'decisions', element: <ConsoleDecisionsRoute /> },
  { path: 'decisions/:id', element: <ConsoleDecisionRoute /> },
  { path: 'mail', element: <ConsoleMailRoute /> },
  { path: 'webhooks', element: <ConsoleWebhooksRoute /> },
];
