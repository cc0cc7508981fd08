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
  statementCsv: (currency: string) => `/members/me/statement.csv?currency=${encodeURIComponent(currency)}`,
};
