import { useEffect, useState } from 'preact/hooks';
import { enc, get } from '../../api';

// An import job as the API answers it, its issues, the formats, and polling a job until it finishes.

export interface Job {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  format: string | null;
  mode: string;
  dry_run: boolean;
  file_name: string | null;
  progress: { bytes_read: number; total_bytes: number | null; rows_read: number };
  counts: { rows: number; rows_failed: number; rows_with_warnings: number; users_created: number; users_updated: number; users_unchanged: number; users_skipped: number };
  file_warnings: { code?: string; message?: string }[];
  file_errors: { code?: string; message?: string }[];
  created_on: string;
  finished_on: string | null;
}

export interface Issue {
  line: number;
  severity: 'error' | 'warning';
  code: string;
  field: string | null;
  message: string;
  user_key: string | null;
}

export const FORMATS = [
  ['', 'Detect from the content'],
  ['csv', 'Kinde CSV'],
  ['kinde_ndjson', 'Kinde NDJSON'],
  ['auth0', 'Auth0 users'],
  ['auth0_passwords', 'Auth0 passwords only'],
  ['firebase', 'Firebase auth:export'],
  ['keycloak', 'Keycloak realm or users export'],
  ['supabase', 'Supabase auth.users'],
  ['clerk', 'Clerk users export'],
  ['cognito', 'Cognito users CSV'],
] as const;
export const FORMAT_NAME: Record<string, string> = Object.fromEntries(FORMATS);

export const finished = (j: Job | undefined) => j?.status === 'completed' || j?.status === 'failed';

/** Polls a job until it finishes (the API has no push channel; a short interval keeps the bar live). */
export function useJob(id: string | null) {
  const [job, setJob] = useState<Job | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setJob(undefined);
    if (!id) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const r = await get<{ import: Job }>(`/api/v1/imports/${enc(id)}`);
        if (!live) return;
        setJob(r.import);
        if (!finished(r.import)) timer = setTimeout(poll, 300);
      } catch (err) {
        if (live) setError(err);
      }
    };
    void poll();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  return { job, error };
}
