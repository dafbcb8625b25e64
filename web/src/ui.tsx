import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

/** Shared building blocks: labelled fields, errors shown beside their control, tables, keyset pages. */

let nextId = 0;
export function useId(prefix: string): string {
  const ref = useRef<string>();
  if (!ref.current) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** An API error, shown next to the control that caused it. */
export function ErrorText(props: { error: unknown; id?: string }) {
  if (!props.error) return null;
  const code = props.error instanceof ApiError ? props.error.code : undefined;
  return (
    <p class="error" role="alert" id={props.id} data-code={code}>
      {messageOf(props.error)}
      {code ? <span class="code"> ({code})</span> : null}
    </p>
  );
}

/** Runs one action at a time and keeps its error for the control beside it. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        await fn(...args);
        return true;
      } catch (err) {
        setError(err);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [fn],
  );
  return { run, busy, error, setError };
}

/** Loads data for a view; `reload` fetches again (after a change). */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    fn().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** A button whose failure is shown right after it, tied to it with aria-describedby. */
export function ActionButton(props: { onClick: () => Promise<unknown>; children: ComponentChildren; class?: string; disabled?: boolean; label?: string }) {
  const id = useId('err');
  const action = useAction(props.onClick);
  return (
    <span class="action">
      <button type="button" class={props.class} aria-label={props.label} disabled={props.disabled || action.busy} aria-describedby={action.error ? id : undefined} onClick={() => void action.run()}>
        {props.children}
      </button>
      <ErrorText error={action.error} id={id} />
    </span>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'onInput' | 'value'>;

/** A labelled input. */
export function Field(props: { label: string; value: string; onInput: (v: string) => void; hint?: string } & InputProps) {
  const { label, value, onInput, hint, ...rest } = props;
  const id = useId('f');
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => onInput((e.target as HTMLInputElement).value)} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint ? (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

export function Select(props: { label: string; value: string; onChange: (v: string) => void; options: readonly (readonly [string, string])[]; name?: string }) {
  const id = useId('s');
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {/* An empty value shows the first option, which is what the form then uses. */}
      <select
        id={id}
        name={props.name}
        value={props.options.some(([v]) => v === props.value) ? props.value : (props.options[0]?.[0] ?? '')}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        {props.options.length === 0 ? <option value="">None available</option> : null}
        {props.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A form that submits through an action and shows its error below the submit button. */
export function Form(props: { onSubmit: () => Promise<unknown>; submit: string; children: ComponentChildren; label: string; class?: string }) {
  const id = useId('ferr');
  const action = useAction(props.onSubmit);
  return (
    <form
      class={`form ${props.class ?? ''}`}
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
    >
      {props.children}
      <div class="submit">
        <button type="submit" disabled={action.busy} aria-describedby={action.error ? id : undefined}>
          {props.submit}
        </button>
        <ErrorText error={action.error} id={id} />
      </div>
    </form>
  );
}

export function Loading(props: { what?: string }) {
  return (
    <p class="muted" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/**
 * Keyset pages: the tokens seen so far, so "Previous" goes back without
 * offsets. `token` is what the current page was fetched with.
 */
export function useKeyset(resetKey: string) {
  // Tokens belong to one query: a new resetKey (other filters) starts at page 1 at once,
  // so a token is never sent with a query it was not made for.
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[] }>({ key: resetKey, stack: [undefined] });
  const stackOf = (s: typeof state) => (s.key === resetKey ? s.stack : [undefined]);
  const stack = stackOf(state);
  return {
    token: stack[stack.length - 1],
    page: stack.length,
    next: (t: string) => setState((s) => ({ key: resetKey, stack: [...stackOf(s), t] })),
    previous: () => setState((s) => ({ key: resetKey, stack: stackOf(s).length > 1 ? stackOf(s).slice(0, -1) : stackOf(s) })),
  };
}

export function Pager(props: { keyset: ReturnType<typeof useKeyset>; nextToken: string | null | undefined; label: string }) {
  const { keyset, nextToken } = props;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={keyset.page <= 1} onClick={keyset.previous}>
        Previous page
      </button>
      <span>Page {keyset.page}</span>
      <button type="button" disabled={!nextToken} onClick={() => nextToken && keyset.next(nextToken)}>
        Next page
      </button>
    </nav>
  );
}

/** A page's heading, focused on navigation so screen readers announce the new page. */
let firstPage = true;
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${ref.current?.textContent ?? 'Roster'} · Roster console`;
    // Not on the first page of a load: there the skip link comes first, as on any site.
    if (firstPage) firstPage = false;
    else ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {props.children}
    </h1>
  );
}

export function Section(props: { title: string; children: ComponentChildren; id?: string }) {
  const id = useId('sec');
  return (
    <section aria-labelledby={id} class="card" id={props.id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}
