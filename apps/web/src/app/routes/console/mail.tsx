import { Card, Loading, Page } from '@/components/ui/page';
import { useOutbox, type OutboxStatusFilter } from '@/features/console/api/console-pages';
import { ConsoleProblem } from '@/features/console/components/console-problem';
import { StatusFilter, useStatusPages } from '@/features/console/components/status-filter';
import { Pager } from '@/features/console/components/pager';
import { formatDateTime } from '@/lib/dates';

const PAGE = 25;
const STATUS_WORDS: Record<OutboxStatusFilter, string> = { queued: 'Queued', sending: 'Sending', sent: 'Sent', rejected: 'Refused by the server', failed: 'Failed' };

/** `/console/mail`: what the network emailed (or will): to, subject, status and time. Never a body: sign-in emails carry links that sign in. */
export function ConsoleMailRoute() {
  const filter = useStatusPages<OutboxStatusFilter>();
  const { page, setPage } = filter;
  const mail = useOutbox(filter.status, page, PAGE);
  return (
    <Page title="Mail sent" lead="Every email the network sends goes through its outbox: prompts, reminders, sign-in links. Bodies are not shown (sign-in links would sign you in as someone else).">
      <StatusFilter value={filter.value} onChange={filter.choose} every="every email" words={STATUS_WORDS} counts={mail.data?.byStatus} />
      {mail.isPending ? (
        <Loading />
      ) : mail.isError ? (
        <ConsoleProblem error={mail.error} />
      ) : (
        <Card title={`Emails (${mail.data.total})`}>
          {mail.data.items.length ? (
            <div className="table-wrap">
              <table className="cards">
                <thead>
                  <tr>
                    <th scope="col">Subject</th>
                    <th scope="col">To</th>
                    <th scope="col">Status</th>
                    <th scope="col">When</th>
                  </tr>
                </thead>
                <tbody>
                  {mail.data.items.map((m, i) => (
                    <tr key={`${m.createdAt}-${i}`}>
                      <th scope="row">{m.subject}</th>
                      <td data-label="To" className="break">
                        {m.to}
                      </td>
                      <td data-label="Status">
                        <span className={`badge ${m.status === 'sent' ? 'badge-ok' : m.status === 'queued' || m.status === 'sending' ? 'badge-info' : 'badge-warn'}`}>{STATUS_WORDS[m.status as OutboxStatusFilter] ?? m.status}</span>
                        {m.attempts > 1 ? <span className="small muted"> after {m.attempts} attempts</span> : null}
                        {m.lastError && m.status !== 'sent' ? <div className="small muted">{m.lastError}</div> : null}
                      </td>
                      <td data-label="When">{formatDateTime(m.sentAt ?? m.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">No email here.</p>
          )}
          <Pager page={page} size={PAGE} total={mail.data.total} onPage={setPage} label="Email pages" />
        </Card>
      )}
    </Page>
  );
}
