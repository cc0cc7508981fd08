import { Link } from 'react-router';
import { Page } from '@/components/ui/page';
import { paths } from '@/config/paths';

export function NotFoundRoute() {
  return (
    <Page title="Not found">
      <p>There is no page at this address.</p>
      <p>
        <Link to={paths.projects()}>See the network’s projects</Link>
      </p>
    </Page>
  );
}
