import type { Child } from 'hono/jsx';

export type Section = 'integrations' | 'new' | 'none';

/** The page frame: skip link, top bar with navigation and Log out, one <main>. */
export function Layout(props: { title: string; section: Section; page?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · identity-collector`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script type="module" src="/console/assets/console.js"></script>
      </head>
      <body data-page={props.page ?? props.section}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            identity-collector
          </a>
          {props.page === 'sign-in' ? (
            <nav aria-label="Main"></nav>
          ) : (
            <>
              <nav aria-label="Main">
                <a href="/" aria-current={props.section === 'integrations' ? 'page' : undefined}>
                  Integrations
                </a>
                <a href="/integrations/new" aria-current={props.section === 'new' ? 'page' : undefined}>
                  Add Integration
                </a>
                <a href="/docs">API docs</a>
              </nav>
              <span id="who" aria-live="polite"></span>
              <button type="button" id="logout">
                Log out
              </button>
            </>
          )}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** A part of the page the browser fills from the server with the signed-in key (see assets/console.js). */
export function Fragment(props: { src: string; label: string; id?: string }) {
  return (
    <section
      id={props.id}
      data-fragment={props.src}
      aria-live="polite"
      aria-busy="true"
      aria-label={props.label}
    >
      <p class="muted">Loading…</p>
    </section>
  );
}

export function ErrorNotice(props: { error: { code: string; message: string; requestId?: string } }) {
  return (
    <div class="notice error" role="alert">
      <strong>{props.error.message}</strong>
      <div class="muted">
        Error {props.error.code}
        {props.error.requestId ? ` · request ${props.error.requestId}` : ''}
      </div>
    </div>
  );
}

export function LocalTime(props: { at: string | null | undefined; empty?: string }) {
  if (!props.at) return <span class="muted">{props.empty ?? '—'}</span>;
  // Rendered as UTC on the server; the browser rewrites it in the viewer's time zone.
  return (
    <time datetime={props.at} data-local>
      {props.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}
    </time>
  );
}

export const number = (n: number) => n.toLocaleString('en-US');

/** A report download: console.js fetches `href` with the signed-in key and saves it as `filename`. */
export function Csv(props: { href: string; filename: string; label: string }) {
  return (
    <a href="#" data-download={props.href} data-filename={props.filename}>
      {props.label} (CSV)
    </a>
  );
}

/** A column heading: plain text, or `numeric(label)` for a right-aligned column of numbers. */
export type Column = string | { label: string; numeric: true };
export const numeric = (label: string): Column => ({ label, numeric: true });

export function TableHead(props: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) =>
          typeof column === 'string' ? (
            <th scope="col">{column}</th>
          ) : (
            <th scope="col" class="num">
              {column.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
