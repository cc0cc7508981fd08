/** Every URL of the web app, built in one place. */
export const paths = {
  home: () => '/',
  signIn: (next?: string) => (next ? `/signin?next=${encodeURIComponent(next)}` : '/signin'),
  me: () => '/me',
  holdings: () => '/me/holdings',
  account: () => '/me/account',
  round: (id: string) => `/rounds/${id}`,
  orders: (assetId: string) => `/assets/${assetId}/orders`,
  decision: (id: string) => `/decisions/${id}`,
  projects: () => '/projects',
  project: (id: string) => `/projects/${id}`,
  asset: (id: string) => `/assets/${id}`,
  nodes: () => '/node',
  node: (id: string) => `/node/${id}`,
  nodeEndpoint: (id: string) => `/node/${id}/endpoint`,
  console: () => '/console',
  consoleProjects: () => '/console/projects',
  consoleProject: (id: string) => `/console/projects/${id}`,
  consoleJobs: () => '/console/jobs',
  consoleRounds: () => '/console/rounds',
  consoleLedger: () => '/console/ledger',
  consolePeople: () => '/console/people',
  consoleAudit: (filters?: { resource?: string; actor?: string }) => {
    const q = new URLSearchParams(Object.entries(filters ?? {}).filter(([, v]) => !!v) as Array<[string, string]>).toString();
    return q ? `/console/audit?${q}` : '/console/audit';
  },
  statementCsv: (currency: string) => `/members/me/statement.csv?currency=${encodeURIComponent(currency)}`,
};
