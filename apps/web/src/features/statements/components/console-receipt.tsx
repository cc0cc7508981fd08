import { useState } from 'react';
import { api } from '@/lib/api-client';
import { ApiProblem } from '@/lib/problem';

/** A problem document read as text (the receipt is asked for as text). */
function parsed(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

/**
 * A paid job's receipt from the console, in a new tab. Fetched through the API client (which sends
 * the bootstrap token when the console was opened with it; a plain link would not), then shown
 * from a blob: the page is the API's HTML as it came.
 */
export function ConsoleReceiptButton({ jobId }: { jobId: string }) {
  const [error, setError] = useState<string | null>(null);
  const open = async () => {
    const tab = window.open('', '_blank');
    const { data, error: problem, response } = await api.GET('/admin/jobs/{id}/receipt', { params: { path: { id: jobId } }, parseAs: 'text' });
    if (!response.ok || problem !== undefined) {
      tab?.close();
      setError(ApiProblem.from(response.status, parsed(problem)).message || `The receipt could not be opened (${response.status}).`);
      return;
    }
    const url = URL.createObjectURL(new Blob([data as string], { type: 'text/html' }));
    if (tab) tab.location.href = url;
    else window.location.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <>
      <button type="button" className="link-button small" onClick={() => void open()}>
        Receipt
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
