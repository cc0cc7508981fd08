import { useParams } from 'react-router';
import { Card } from '@/components/ui/page';
import { paths } from '@/config/paths';
import { NodeFrame } from '@/features/operator/components/node-frame';
import { ReceiptLink, StatementView } from '@/features/statements/components/statement-view';
import { RequireMember } from '@/features/session/components/require-member';

/** `/node/:id/statement`: the account this node's paid jobs pay into (its owner's), with a receipt for each paid job. */
export function NodeStatementRoute() {
  const { id = '' } = useParams();
  return (
    <RequireMember>
      {() => (
        <NodeFrame nodeId={id}>
          {(n) => (
            <Card title="Statement">
              <p className="muted small" style={{ marginTop: 0 }}>
                Your account, where the pay for this node’s jobs arrives (the same account as in My account). Each paid job has a receipt to print or keep.
              </p>
              <StatementView source={{ kind: 'node', nodeId: n.id }} receipt={(jobId, nodeId) => <ReceiptLink href={paths.nodeReceipt(nodeId ?? n.id, jobId)} />} />
            </Card>
          )}
        </NodeFrame>
      )}
    </RequireMember>
  );
}
