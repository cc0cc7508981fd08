import { Navigate } from 'react-router';
import { Loading } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { useSession } from '@/features/session/api/session';

/** `/`: members land on what needs them; everyone else on the projects. */
export function HomeRoute() {
  const s = useSession();
  if (s.isPending) return <Loading />;
  return <Navigate to={s.data?.member ? paths.me() : paths.projects()} replace />;
}
