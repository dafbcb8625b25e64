-- roster_append: the PostgreSQL event store's whole append in one statement (one
-- round trip, one transaction when called outside one). See postgres.ts for the
-- design; this function is its write path.
--
-- Arguments, per append (1-based index i): p_streams[i], p_expected[i]
-- (>= 0 exact revision, -1 no_stream, -2 any, -3 stream_exists), p_counts[i] (its
-- number of events). Per event:
-- p_event_append (its append's index), id, type, data, metadata. Per unique
-- change: p_uq_append, action ('claim' | 'release'), kind, value, owner (already
-- de-duplicated by the caller: one change per kind and value).
--
-- Errors: SQLSTATE RS001 = wrong expected revision (message: stream id, detail:
-- "<expected>/<actual>"); RS002 = unique value taken (message: kind, detail:
-- owner id, hint: value).
create or replace function roster_append(
  p_streams text[], p_expected bigint[], p_counts int[],
  p_event_append int[], p_ids uuid[], p_types text[], p_data jsonb[], p_meta jsonb[],
  p_uq_append int[], p_uq_action text[], p_uq_kind text[], p_uq_value text[], p_uq_owner text[]
) returns table (append_index int, next_revision bigint, txid text, last_position bigint, appended boolean)
language plpgsql as $$
declare
  n int := coalesce(cardinality(p_streams), 0);
  -- per append: write it (false: every event already stored, an idempotent retry)
  writes boolean[] := array_fill(true, array[n]);
  r record;
  bad record;
  plan_ai int[];
  plan_sid text[];
  plan_base bigint[];
  plan_cnt int[];
  claimed bigint;
  new_streams text[];
  wrote boolean := false;
begin
  -- A bulk append (an import batch) plans its statements for its own array sizes: a
  -- cached generic plan guesses one row and picks nested loops (3.5 s per 1,000-user
  -- batch). A small append (a command) uses the session's cached generic plans, which
  -- are right for a few rows: left to choose ('auto'), PostgreSQL kept planning each
  -- statement afresh on every call, 40% of a one-event append's time (1.1 ms against
  -- 0.67, measured with pgbench on this machine).
  if n > 16 then
    perform set_config('plan_cache_mode', 'force_custom_plan', true);
  else
    perform set_config('plan_cache_mode', 'force_generic_plan', true);
  end if;

  -- 1. Idempotency: an append whose event ids are all stored answers from the store;
  --    a partly stored append is a conflict.
  for r in
    select e.ai, count(*) as total, count(s.event_id) as found,
           max(s.revision) as rev, max(s.global_position) as pos
    from unnest(p_event_append, p_ids) as e(ai, id)
    left join events s on s.event_id = e.id
    group by e.ai
  loop
    if r.found = r.total then
      writes[r.ai] := false;
      append_index := r.ai;
      next_revision := r.rev;
      select s.transaction_id::text into txid from events s where s.global_position = r.pos;
      last_position := r.pos;
      appended := false;
      return next;
    elsif r.found > 0 then
      raise exception using errcode = 'RS001', message = p_streams[r.ai], detail = p_expected[r.ai]::text || '/-2';
    end if;
  end loop;

  if n = 0 then
    return;
  end if;

  -- 2. Stream rows. New streams are inserted at their final revision (the insert
  --    locks them); existing ones are locked, in stream id order so that concurrent
  --    multi-stream appends cannot deadlock. Each append's base revision is its
  --    stream's, plus earlier appends to the same stream in this call. (unnest, not
  --    subscripts: p_streams[i] walks a text array from its start every time.)
  with want as (
    select a.sid, sum(a.cnt) as total from unnest(p_streams, p_counts, writes) as a(sid, cnt, w)
    where a.w group by a.sid
  ), created as (
    insert into streams (stream_id, revision) select want.sid, want.total - 1 from want order by want.sid
    on conflict (stream_id) do nothing
    returning stream_id
  )
  select coalesce(array_agg(created.stream_id), '{}') into new_streams from created;
  select coalesce(array_agg(q.ai order by q.ai), '{}'), coalesce(array_agg(q.sid order by q.ai), '{}'),
         coalesce(array_agg(q.base order by q.ai), '{}'), coalesce(array_agg(q.cnt order by q.ai), '{}')
    into plan_ai, plan_sid, plan_base, plan_cnt
  from (
    select a.i::int as ai, a.sid, a.cnt,
           coalesce(s.revision, -1) + coalesce(sum(a.cnt) over (partition by a.sid order by a.i rows between unbounded preceding and 1 preceding), 0) as base
    from unnest(p_streams, p_counts, writes) with ordinality as a(sid, cnt, w, i)
    left join (select t.stream_id, t.revision from streams t
               where t.stream_id = any(p_streams) and not exists (select 1 from unnest(new_streams) ns where ns = t.stream_id)
               order by t.stream_id for update) s on s.stream_id = a.sid
    where a.w
  ) q;

  -- 3. Expected revisions.
  select p.ai, p.sid, p.base into bad
  from unnest(plan_ai, plan_sid, plan_base) as p(ai, sid, base)
  where not (p_expected[p.ai] = -2
          or (p_expected[p.ai] = -1 and p.base = -1)
          or (p_expected[p.ai] = -3 and p.base >= 0)
          or (p_expected[p.ai] >= 0 and p_expected[p.ai] = p.base))
  order by p.ai limit 1;
  if found then
    raise exception using errcode = 'RS001', message = bad.sid, detail = p_expected[bad.ai]::text || '/' || bad.base::text;
  end if;

  -- 4. Unique values: releases, then claims. A claim on a value held by another
  --    owner fails the whole append (ON CONFLICT DO UPDATE sees the latest committed
  --    owner, also one committed by a concurrent append after our snapshot).
  delete from unique_constraints u
  using unnest(p_uq_append, p_uq_action, p_uq_kind, p_uq_value, p_uq_owner) as c(ai, action, kind, value, owner)
  where c.action = 'release' and writes[c.ai] and u.kind = c.kind and u.value = c.value and u.owner_id = c.owner;
  with ins as (
    insert into unique_constraints as u (kind, value, owner_id)
    select x.kind, x.value, x.owner
    from unnest(p_uq_append, p_uq_action, p_uq_kind, p_uq_value, p_uq_owner) as x(ai, action, kind, value, owner)
    where x.action = 'claim' and writes[x.ai]
    order by x.kind, x.value
    on conflict (kind, value) do update set owner_id = excluded.owner_id where u.owner_id = excluded.owner_id
    returning 1
  )
  select count(*) into claimed from ins;
  if claimed < (select count(*) from unnest(p_uq_append, p_uq_action) as x(ai, action) where x.action = 'claim' and writes[x.ai]) then
    -- Some value is held by another owner (its row is locked by us now: this read sees its committed owner).
    select x.kind, x.value, u.owner_id into bad
    from unnest(p_uq_action, p_uq_kind, p_uq_value, p_uq_owner) as x(action, kind, value, owner)
    join unique_constraints u on u.kind = x.kind and u.value = x.value
    where x.action = 'claim' and u.owner_id <> x.owner
    limit 1;
    raise exception using errcode = 'RS002', message = bad.kind, detail = bad.owner_id, hint = bad.value;
  end if;

  -- 5. The events, numbered after their append's base revision.
  for r in
    with plan as (select * from unnest(plan_ai, plan_sid, plan_base, plan_cnt) as p(ai, sid, base, cnt)),
    ins as (
      insert into events (event_id, stream_id, revision, type, data, metadata)
      select e.id, p.sid, p.base + row_number() over (partition by e.ai order by e.ord), e.type, e.data, e.meta
      from unnest(p_event_append, p_ids, p_types, p_data, p_meta) with ordinality as e(ai, id, type, data, meta, ord)
      join plan p on p.ai = e.ai
      order by e.ord
      returning stream_id, revision, transaction_id, global_position
    )
    select p.ai, p.base + p.cnt as rev, max(ins.transaction_id::text) as tx, max(ins.global_position) as pos
    from plan p left join ins on ins.stream_id = p.sid and ins.revision > p.base and ins.revision <= p.base + p.cnt
    group by p.ai, p.base, p.cnt
  loop
    append_index := r.ai;
    next_revision := r.rev;
    txid := r.tx;
    last_position := r.pos;
    appended := r.pos is not null;
    wrote := wrote or appended;
    return next;
  end loop;

  update streams s set revision = v.rev
  from (select p.sid, max(p.base + p.cnt) as rev from unnest(plan_sid, plan_base, plan_cnt) as p(sid, base, cnt)
        where not exists (select 1 from unnest(new_streams) ns where ns = p.sid) group by p.sid) v
  where s.stream_id = v.sid and s.revision <> v.rev;

  if wrote then
    perform pg_notify('roster_events', '');
  end if;
end
$$;
