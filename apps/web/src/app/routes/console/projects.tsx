import { Link, useNavigate } from 'react-router';
import { Button } from '@/components/ui/button';
import { Card, Loading, Page } from '@/components/ui/page';
import { phaseName } from '@/components/ui/phase-timeline';
import { paths } from '@/config/paths';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { StatusFilter, useStatusPages } from '@/features/console/components/status-filter';
import { PROJECTS_PAGE, type ProjectStatus, useConsoleProjects, useCreateProject, useProjectBlockers } from '@/features/console/projects/api';
import { CreateProjectForm } from '@/features/console/projects/components/create-project-form';
import { PROJECT_STATUS_WORDS } from '@/features/console/projects/project-words';
import '@/features/console/projects/projects.css';
import { formatDate } from '@/lib/dates';

/** `/console/projects`: every project with its state, its phase and how many things hold it up; and a form to create one. */
export function ConsoleProjectsRoute() {
  const filter = useStatusPages<ProjectStatus>();
  const { page, setPage } = filter;
  const projects = useConsoleProjects(filter.status, page);
  const items = projects.data?.items ?? [];
  const blockers = useProjectBlockers(items.map((p) => p.id));
  const create = useCreateProject();
  const navigate = useNavigate();
  return (
    <Page title="Projects" lead="Each project’s phase and what holds it up; open one for its phase timeline and the action that unblocks it. Refreshes on its own.">
      <StatusFilter value={filter.value} onChange={filter.choose} every="every project" words={PROJECT_STATUS_WORDS} />
      <Card title="Projects">
        {projects.isPending ? (
          <Loading />
        ) : projects.isError ? (
          <ConsoleProblem error={projects.error} />
        ) : items.length === 0 ? (
          <p className="muted">No project here yet: create one below.</p>
        ) : (
          <div className="table-wrap">
            <table className="cards projects-table">
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col">State</th>
                  <th scope="col">Phase now</th>
                  <th scope="col" className="num">
                    Waiting on
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p, i) => {
                  const count = blockers[i]?.data;
                  return (
                    <tr key={p.id}>
                      <th scope="row">
                        <Link to={paths.consoleProject(p.id)}>{p.name}</Link>
                      </th>
                      <td data-label="State">
                        <span className={`badge ${p.status === 'active' ? 'badge-info' : p.status === 'completed' ? 'badge-ok' : ''}`}>{PROJECT_STATUS_WORDS[p.status] ?? p.status}</span>
                      </td>
                      <td data-label="Phase now">{p.phase === 'completed' ? 'All phases passed' : phaseName(p.phase)}</td>
                      <td data-label="Waiting on" className="num">
                        {count === undefined ? '…' : p.status !== 'active' ? '—' : count === 0 ? 'nothing' : (
                          <span className="badge badge-warn">
                            {count} thing{count === 1 ? '' : 's'}
                          </span>
                        )}
                      </td>
                      <td data-label="Created">{formatDate(p.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {projects.data && projects.data.total > PROJECTS_PAGE ? (
          <nav className="pager" aria-label="Project pages">
            <Button variant="secondary" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous
            </Button>
            <span>
              Page {page + 1} of {Math.ceil(projects.data.total / PROJECTS_PAGE)}
            </span>
            <Button variant="secondary" disabled={(page + 1) * PROJECTS_PAGE >= projects.data.total} onClick={() => setPage(page + 1)}>
              Next
            </Button>
          </nav>
        ) : null}
      </Card>
      <Card title="Create a project">
        <CreateProjectForm onCreate={(body) => create.mutateAsync(body)} onCreated={(p) => void navigate(paths.consoleProject(p.id))} />
      </Card>
    </Page>
  );
}
