import type { Client } from '@temporalio/client';
import { jobWorkflowId, moneyAddedSignal } from '@app/contracts';

/**
 * Tells each job waiting for money in an account that money came in (`moneyAdded`): it tries its
 * reservation again at once. Best effort: the money has moved, and a job that misses the signal
 * tries again on its own timer. Used wherever money lands in a project's account (a transfer, a
 * round's payout).
 */
export async function wakeJobsWaitingForMoney(temporal: Client, jobIds: string[], warn: (message: string) => void): Promise<number> {
  let told = 0;
  for (const jobId of jobIds) {
    try {
      await temporal.workflow.getHandle(jobWorkflowId(jobId)).signal(moneyAddedSignal);
      told += 1;
    } catch (err) {
      warn(`job ${jobId} was not told of the money that came in (it retries on its timer): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return told;
}
