/**
 * "Who is signed in" must end with the last word. A page opened from an emailed link reads the
 * session (no cookie yet) while it exchanges the link for one; on a slow machine that read can
 * answer after the exchange did, and its "nobody" (with no CSRF token) would overwrite the new
 * session for as long as the answer is fresh. Every sign-in and sign-out moves the epoch; a read
 * that began in an older epoch is sent again, so a stale answer is never applied.
 */
export function sessionEpoch() {
  let epoch = 0;
  return {
    /** Reads the session; applies and returns only an answer that no sign-in or sign-out overtook. */
    async read<T>(fetch: () => Promise<T>, apply: (answer: T) => void): Promise<T> {
      for (;;) {
        const began = epoch;
        const answer = await fetch();
        if (began === epoch) {
          apply(answer);
          return answer;
        }
      }
    },
    /** Signs in or out; once it has answered, every read still in flight is sent again. */
    async change<T>(op: () => Promise<T>, apply: (answer: T) => void): Promise<T> {
      const answer = await op();
      epoch += 1;
      apply(answer);
      return answer;
    },
  };
}
