import { useParams } from 'react-router';
import { Alert } from '@/components/ui/alert';
import { Deadline } from '@/components/ui/deadline';
import { Card, Loading, Page } from '@/components/ui/page';
import { ProblemView } from '@/components/ui/problem-view';
import { useAnswerDecision, useDecision } from '@/features/decisions/api/decision';
import { DecisionForm } from '@/features/decisions/components/decision-form';
import { RequireMember } from '@/features/session/components/require-member';
import { formatDateTime } from '@/lib/dates';
import { useNow } from '@/lib/use-now';

interface Outcome {
  status?: string;
  optionId?: string | null;
  reason?: string;
}

/** `/decisions/:id`: a vote or a delivery confirmation, answered once. */
export function DecisionRoute() {
  const { id = '' } = useParams();
  return <RequireMember>{() => <DecisionPage id={id} />}</RequireMember>;
}

function DecisionPage({ id }: { id: string }) {
  const d = useDecision(id);
  const answer = useAnswerDecision(id);
  const now = useNow();
  if (d.isPending) return <Loading />;
  if (d.isError) return <ProblemView error={d.error} />;
  const x = d.data;
  const label = (o: string | null | undefined) => x.options.find((p) => p.id === o)?.label ?? o ?? '';
  const outcome = x.outcome as Outcome | null;
  const open = x.status === 'open' && new Date(x.deadline).getTime() > now;
  return (
    <Page title={x.title}>
      <Card>
        <p>{x.question}</p>
        <dl className="facts">
          {x.context.map((c) => (
            <div key={c.label}>
              <dt>{c.label}</dt>
              <dd>{/^https?:\/\//.test(c.value) ? <a href={c.value} rel="noreferrer noopener" target="_blank">{c.value}</a> : c.value}</dd>
            </div>
          ))}
          <div>
            <dt>Deadline</dt>
            <dd>
              <Deadline at={x.deadline} />
            </dd>
          </div>
        </dl>
      </Card>
      {x.myAnswer ? (
        <Alert kind="success" title={answer.isSuccess ? 'Thank you: your answer is recorded.' : 'You have answered.'}>
          Your answer: <strong>{label(x.myAnswer.option)}</strong> ({formatDateTime(x.myAnswer.answeredAt)}).
          {x.myAnswer.comment ? ` “${x.myAnswer.comment}”` : ''}
        </Alert>
      ) : open ? (
        <Card>
          <DecisionForm options={x.options} onAnswer={(a) => answer.mutateAsync(a)} />
        </Card>
      ) : (
        <Alert kind="warning">This decision has closed without an answer from you.</Alert>
      )}
      {outcome ? (
        <Alert kind="info" title="Outcome">
          {outcome.status === 'cancelled' ? 'This decision was withdrawn before it closed.' : `${outcome.optionId ? `${label(outcome.optionId)}. ` : ''}${outcome.reason ?? ''}`}
        </Alert>
      ) : x.status === 'closing' ? (
        <p className="muted">The outcome is certain and is being recorded; everyone asked gets it by email.</p>
      ) : x.myAnswer ? (
        <p className="muted">The decision is open until {formatDateTime(x.deadline)}; everyone asked gets the result by email.</p>
      ) : null}
    </Page>
  );
}
