import { createBrowserRouter } from 'react-router';
import { Layout } from './layout';
import { CrashRoute } from './routes/crash';
import { ConsoleFlowRoute } from './routes/console/flow';
import { ConsoleJobsRoute } from './routes/console/jobs';
import { ConsoleLayout } from './routes/console/layout';
import { ConsoleLedgerRoute } from './routes/console/ledger';
import { ConsoleLotRoute } from './routes/console/lot';
import { ConsoleNetworkRoute } from './routes/console/network';
import { ConsoleRoundsRoute } from './routes/console/rounds';
import { ConsolePeopleRoute } from './routes/console/people';
import { ConsoleAuditRoute } from './routes/console/audit';
import { ConsoleProjectRoute } from './routes/console/project';
import { ConsoleProjectsRoute } from './routes/console/projects';
import { ConsoleRecipesRoute } from './routes/console/recipes';
import { CONSOLE_PAGES } from './routes/console/pages';
import { DecideRoute } from './routes/decide';
import { HomeRoute } from './routes/home';
import { AccountRoute } from './routes/member/account';
import { BuyoutsRoute } from './routes/member/buyouts';
import { MyFlowRoute } from './routes/member/flow';
import { HandoffsRoute } from './routes/member/handoffs';
import { LeasesRoute } from './routes/member/leases';
import { MyLotRoute } from './routes/member/lot';
import { MarketRoute } from './routes/member/market';
import { DecisionRoute } from './routes/member/decision';
import { HoldingsRoute } from './routes/member/holdings';
import { MeRoute } from './routes/member/me';
import { OrdersRoute } from './routes/member/orders';
import { RoundRoute } from './routes/member/round';
import { NodeEndpointRoute } from './routes/node/node-endpoint';
import { NodeStatementRoute } from './routes/node/node-statement';
import { NodeWorkRoute } from './routes/node/node-work';
import { NodesRoute } from './routes/node/nodes';
import { NotFoundRoute } from './routes/not-found';
import { AssetRoute } from './routes/public/asset';
import { ProjectRoute } from './routes/public/project';
import { ProjectsRoute } from './routes/public/projects';
import { SignInRoute } from './routes/signin';

/**
 * Every route of the web app: nouns people can share. Members: /me, /me/holdings, /me/account,
 * /me/market, /me/leases, /me/buyouts, /me/handoffs, /me/lots/:id, /me/flows/:id,
 * /rounds/:id, /assets/:id/orders, /decisions/:id; everyone: /projects, /projects/:id, /assets/:id;
 * /signin and /decide/:token (the link of decision emails); a node's owner: /node, /node/:id,
 * /node/:id/endpoint; coordinators: /console, /console/projects[/:id], /console/flows/:id, /console/lots/:id,
 * /console/recipes, /console/jobs, /console/rounds, /console/ledger,
 * /console/people, /console/audit (signed in by email, or with the bootstrap token).
 */
export const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <CrashRoute />,
    children: [
      { index: true, element: <HomeRoute /> },
      { path: 'signin', element: <SignInRoute /> },
      { path: 'decide/:token', element: <DecideRoute /> },
      { path: 'me', element: <MeRoute /> },
      { path: 'me/holdings', element: <HoldingsRoute /> },
      { path: 'me/account', element: <AccountRoute /> },
      { path: 'me/market', element: <MarketRoute /> },
      { path: 'me/leases', element: <LeasesRoute /> },
      { path: 'me/buyouts', element: <BuyoutsRoute /> },
      { path: 'me/handoffs', element: <HandoffsRoute /> },
      { path: 'me/lots/:id', element: <MyLotRoute /> },
      { path: 'me/flows/:id', element: <MyFlowRoute /> },
      { path: 'rounds/:id', element: <RoundRoute /> },
      { path: 'decisions/:id', element: <DecisionRoute /> },
      { path: 'assets/:id/orders', element: <OrdersRoute /> },
      { path: 'projects', element: <ProjectsRoute /> },
      { path: 'projects/:id', element: <ProjectRoute /> },
      { path: 'assets/:id', element: <AssetRoute /> },
      { path: 'node', element: <NodesRoute /> },
      { path: 'node/:id', element: <NodeWorkRoute /> },
      { path: 'node/:id/endpoint', element: <NodeEndpointRoute /> },
      { path: 'node/:id/statement', element: <NodeStatementRoute /> },
      {
        path: 'console',
        element: <ConsoleLayout />,
        children: [
          { index: true, element: <ConsoleNetworkRoute /> },
          { path: 'projects', element: <ConsoleProjectsRoute /> },
          { path: 'projects/:id', element: <ConsoleProjectRoute /> },
          { path: 'flows/:id', element: <ConsoleFlowRoute /> },
          { path: 'lots/:id', element: <ConsoleLotRoute /> },
          { path: 'recipes', element: <ConsoleRecipesRoute /> },
          { path: 'jobs', element: <ConsoleJobsRoute /> },
          { path: 'rounds', element: <ConsoleRoundsRoute /> },
          { path: 'ledger', element: <ConsoleLedgerRoute /> },
          { path: 'people', element: <ConsolePeopleRoute /> },
          { path: 'audit', element: <ConsoleAuditRoute /> },
          ...CONSOLE_PAGES,
        ],
      },
      { path: '*', element: <NotFoundRoute /> },
    ],
  },
]);
