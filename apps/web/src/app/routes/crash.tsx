import { useEffect } from 'react';
import { useRouteError } from 'react-router';

/** A page that broke while showing: said plainly, with the way back (no stack trace for people). */
export function CrashRoute() {
  const error = useRouteError();
  useEffect(() => {
    document.title = 'Something went wrong · DPN';
    console.error(error);
  }, [error]);
  return (
    <main id="main" className="page">
      <h1>Something went wrong</h1>
      <p>This page could not be shown. Reload it, or go back to the <a href="/">start page</a>.</p>
    </main>
  );
}
