"""The team database's schema as versioned SQL migrations (schema `c2c`), applied in order by `apply_migrations`.

Each migration runs once, inside the same transaction as the row that records it; a lock keeps two `team init` runs
from applying one twice. Never edit a released migration: add the next one.

Who may do what (design: TEAM.md §5):
- `c2c_owner` (NOLOGIN) owns every object; only the SECURITY DEFINER functions act as it.
- `c2c_agent`, `c2c_manager`: group roles; each person logs in with an own role IN one of them.
- Row-Level Security, forced (so even the owner's functions go through policies): an agent reads the lists assigned
  to them and their items, their own calls and notes, the team's contacts, do-not-call list and settings; a manager
  reads everything. Calls and notes are written as the logged-in role only.
- `dial_guard` (one row per number: who claimed it, when, the lease) has no grants at all: claims go through
  `claim_next`, `claim_number` and `release_claim`, which judge leases and the cool-off on the server's clock.
- Every table an agent pulls carries a change stamp (`txid` xid8, `seq`), set by a trigger on insert and update;
  deletes are soft (`deleted_at`), so a pull sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The key of the transaction-level advisory lock held while migrations run.
MIGRATION_LOCK_KEY = 0x0C2C7EA1


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


_E164 = r"'^\+[0-9]{7,15}$'"

_STAMP = "txid xid8 NOT NULL, seq bigint NOT NULL"

#: Tables that carry a change stamp (agents pull them).
STAMPED_TABLES = ("team_settings", "contacts", "call_lists", "list_items", "dnc", "calls", "notes")

_ROLES = """
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'c2c_owner') THEN
        CREATE ROLE c2c_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'c2c_agent') THEN
        CREATE ROLE c2c_agent NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'c2c_manager') THEN
        CREATE ROLE c2c_manager NOLOGIN;
    END IF;
END
$roles$;
-- The objects below are made as c2c_owner, so the role running `team init` must be able to act as it.
GRANT c2c_owner TO CURRENT_USER;

-- Only the team's roles (and the owner of the database) may connect.
DO $connect$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO c2c_agent, c2c_manager', current_database());
END
$connect$;

CREATE SCHEMA c2c AUTHORIZATION c2c_owner;
"""

_TABLES = f"""
SET LOCAL ROLE c2c_owner;
REVOKE ALL ON SCHEMA c2c FROM PUBLIC;
GRANT USAGE ON SCHEMA c2c TO c2c_agent, c2c_manager;

CREATE TABLE c2c.schema_migrations (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE c2c.change_seq;

-- Every insert and update gets the writing transaction's id and a fresh sequence number: a pull reads the rows past
-- its cursor (txid, seq) whose txid is below the snapshot's xmin, so a row committed out of order is never skipped.
CREATE FUNCTION c2c.stamp_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
BEGIN
    NEW.txid := pg_current_xact_id();
    NEW.seq := nextval('c2c.change_seq');
    RETURN NEW;
END
$$;

CREATE TABLE c2c.team_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    cool_off interval NOT NULL DEFAULT interval '24 hours' CHECK (cool_off >= interval '0'),
    lease interval NOT NULL DEFAULT interval '10 minutes' CHECK (lease > interval '0'),
    {_STAMP}
);

CREATE TABLE c2c.contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL DEFAULT '',
    company text NOT NULL DEFAULT '',
    e164 text NOT NULL CHECK (e164 ~ {_E164}),
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    {_STAMP}
);

CREATE TABLE c2c.call_lists (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name <> ''),
    assigned_to text[] NOT NULL DEFAULT '{{}}',
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    {_STAMP}
);
CREATE UNIQUE INDEX call_lists_live_name ON c2c.call_lists (name) WHERE deleted_at IS NULL;

CREATE TABLE c2c.list_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id bigint NOT NULL REFERENCES c2c.call_lists (id),
    position integer NOT NULL,
    e164 text NOT NULL CHECK (e164 ~ {_E164}),
    contact_id bigint REFERENCES c2c.contacts (id),
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
    attempts integer NOT NULL DEFAULT 0,
    claimed_by text,                 -- the last agent who claimed it
    lease_until timestamptz,         -- held by claimed_by until then
    not_before timestamptz,          -- a retry time (finish_item)
    number_busy_until timestamptz,   -- its number was someone else's, or in its cool-off, until then
    callback_at timestamptz,         -- a callback, reserved for callback_by from that time
    callback_by text,
    last_outcome text,
    deleted_at timestamptz,
    {_STAMP}
);
CREATE INDEX list_items_open ON c2c.list_items (list_id, position) WHERE state = 'open' AND deleted_at IS NULL;

-- One row per number ever claimed: no grants; only the claim functions read or write it.
CREATE TABLE c2c.dial_guard (
    e164 text PRIMARY KEY,
    claimed_by text NOT NULL,
    claimed_at timestamptz NOT NULL,
    lease_until timestamptz NOT NULL,
    list_item_id bigint,
    previous_by text,                -- what this claim replaced, put back if it is released (Skip)
    previous_at timestamptz
);

CREATE TABLE c2c.dnc (
    e164 text PRIMARY KEY CHECK (e164 ~ {_E164}),
    added_by text NOT NULL DEFAULT current_user,
    reason text NOT NULL DEFAULT '',
    added_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    {_STAMP}
);

-- Pushed by each agent from the local journal, keyed by the client's UUID (a replay updates, never duplicates).
CREATE TABLE c2c.calls (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent text NOT NULL DEFAULT current_user,
    client_uuid uuid NOT NULL,
    e164 text NOT NULL,
    list_item_id bigint,
    state text NOT NULL CHECK (state IN ('placing', 'done')),
    outcome text,
    disposition text,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    team_guarded boolean NOT NULL DEFAULT true,
    received_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    {_STAMP},
    UNIQUE (agent, client_uuid)
);

CREATE TABLE c2c.notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent text NOT NULL DEFAULT current_user,
    client_uuid uuid NOT NULL,
    e164 text,
    contact_id bigint,
    call_uuid uuid,
    body text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    {_STAMP},
    UNIQUE (agent, client_uuid)
);

-- A finished call never goes back to placing, whatever order the pushes arrive in.
CREATE FUNCTION c2c.keep_finished_call() RETURNS trigger
LANGUAGE plpgsql SET search_path = c2c, pg_temp AS $$
BEGIN
    IF OLD.state = 'done' AND NEW.state <> 'done' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER a_keep_finished BEFORE UPDATE ON c2c.calls FOR EACH ROW EXECUTE FUNCTION c2c.keep_finished_call();
"""


def _stamps_and_policies() -> str:
    parts = []
    for table in STAMPED_TABLES:
        parts.append(
            f"CREATE TRIGGER z_stamp BEFORE INSERT OR UPDATE ON c2c.{table} "
            "FOR EACH ROW EXECUTE FUNCTION c2c.stamp_change();\n"
            f"CREATE INDEX {table}_change ON c2c.{table} (txid, seq);\n"
        )
    for table in (*STAMPED_TABLES, "dial_guard", "schema_migrations"):
        parts.append(
            f"ALTER TABLE c2c.{table} ENABLE ROW LEVEL SECURITY;\n"
            f"ALTER TABLE c2c.{table} FORCE ROW LEVEL SECURITY;\n"
            f"CREATE POLICY owner_all ON c2c.{table} TO c2c_owner USING (true) WITH CHECK (true);\n"
        )
    return "".join(parts)


_POLICIES = """
INSERT INTO c2c.team_settings DEFAULT VALUES;

CREATE POLICY team_reads ON c2c.schema_migrations FOR SELECT TO c2c_agent, c2c_manager USING (true);
CREATE POLICY team_reads ON c2c.team_settings FOR SELECT TO c2c_agent, c2c_manager USING (true);
CREATE POLICY manager_edits ON c2c.team_settings FOR UPDATE TO c2c_manager USING (true) WITH CHECK (true);

CREATE POLICY team_reads ON c2c.contacts FOR SELECT TO c2c_agent USING (true);
CREATE POLICY manager_all ON c2c.contacts TO c2c_manager USING (true) WITH CHECK (true);

CREATE POLICY assigned ON c2c.call_lists FOR SELECT TO c2c_agent USING (current_user = ANY (assigned_to));
CREATE POLICY manager_all ON c2c.call_lists TO c2c_manager USING (true) WITH CHECK (true);

CREATE POLICY assigned ON c2c.list_items FOR SELECT TO c2c_agent USING (
    EXISTS (SELECT 1 FROM c2c.call_lists l WHERE l.id = list_id AND current_user = ANY (l.assigned_to))
);
CREATE POLICY manager_all ON c2c.list_items TO c2c_manager USING (true) WITH CHECK (true);

CREATE POLICY team_reads ON c2c.dnc FOR SELECT TO c2c_agent USING (true);
CREATE POLICY agent_adds ON c2c.dnc FOR INSERT TO c2c_agent WITH CHECK (added_by = current_user);
CREATE POLICY manager_all ON c2c.dnc TO c2c_manager USING (true) WITH CHECK (true);

CREATE POLICY own_rows ON c2c.calls TO c2c_agent, c2c_manager
    USING (agent = current_user) WITH CHECK (agent = current_user);
CREATE POLICY manager_reads ON c2c.calls FOR SELECT TO c2c_manager USING (true);
CREATE POLICY own_rows ON c2c.notes TO c2c_agent, c2c_manager
    USING (agent = current_user) WITH CHECK (agent = current_user);
CREATE POLICY manager_reads ON c2c.notes FOR SELECT TO c2c_manager USING (true);

GRANT SELECT ON c2c.schema_migrations, c2c.team_settings TO c2c_agent, c2c_manager;
GRANT UPDATE (cool_off, lease) ON c2c.team_settings TO c2c_manager;
GRANT SELECT ON c2c.contacts, c2c.call_lists, c2c.list_items, c2c.dnc TO c2c_agent;
GRANT INSERT ON c2c.dnc TO c2c_agent;
GRANT SELECT, INSERT, UPDATE, DELETE ON c2c.contacts, c2c.call_lists, c2c.list_items, c2c.dnc TO c2c_manager;
GRANT SELECT, INSERT, UPDATE ON c2c.calls, c2c.notes TO c2c_agent, c2c_manager;
"""

# The claim functions. They run as c2c_owner (SECURITY DEFINER, search_path pinned) and name the agent by
# session_user: inside them current_user is the owner. Times are the server's now(), never a client's clock.
_FUNCTIONS = f"""
-- Take the number's guard row for `agent` when nobody holds its lease and its last claim is older than the cool-off
-- (or, for `exempt` (the agent's own callback, due), when nobody else holds its lease). True when taken.
CREATE FUNCTION c2c.take_number(number text, agent text, item bigint, exempt boolean, cool_off interval,
                                lease interval) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    taken boolean;
BEGIN
    INSERT INTO dial_guard AS g (e164, claimed_by, claimed_at, lease_until, list_item_id)
    VALUES (number, agent, now(), now() + lease, item)
    ON CONFLICT (e164) DO UPDATE
        SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at, lease_until = excluded.lease_until,
            list_item_id = excluded.list_item_id, previous_by = g.claimed_by, previous_at = g.claimed_at
        WHERE (g.lease_until <= now() AND g.claimed_at <= now() - cool_off)
           OR (exempt AND (g.lease_until <= now() OR g.claimed_by = agent))
    RETURNING true INTO taken;
    RETURN coalesce(taken, false);
END
$$;

CREATE FUNCTION c2c.claim_next(list bigint)
RETURNS TABLE (item_id bigint, number text, contact_id bigint, contact_name text, attempt integer,
               lease_until timestamptz, callback boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
#variable_conflict use_column
DECLARE
    me text := session_user;
    s record;
    cand record;
    exempt boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM call_lists l WHERE l.id = list AND l.deleted_at IS NULL
                   AND (me = ANY (l.assigned_to) OR pg_has_role(me, 'c2c_manager', 'MEMBER'))) THEN
        RAISE EXCEPTION 'call list % is not assigned to %', list, me USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT t.cool_off, t.lease INTO s FROM team_settings t;
    FOR cand IN
        SELECT i.id, i.e164, i.callback_by, i.callback_at FROM list_items i
         WHERE i.list_id = list AND i.state = 'open' AND i.deleted_at IS NULL
           AND (i.lease_until IS NULL OR i.lease_until <= now())
           AND (i.callback_at IS NULL OR (i.callback_by = me AND i.callback_at <= now()))
           AND (i.not_before IS NULL OR i.not_before <= now() OR i.callback_at IS NOT NULL)
           AND (i.number_busy_until IS NULL OR i.number_busy_until <= now() OR i.callback_at IS NOT NULL)
           AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = i.e164 AND d.deleted_at IS NULL)
         ORDER BY i.callback_at NULLS LAST, i.position, i.id
         FOR UPDATE OF i SKIP LOCKED
    LOOP
        exempt := cand.callback_at IS NOT NULL;
        IF take_number(cand.e164, me, cand.id, exempt, s.cool_off, s.lease) THEN
            UPDATE list_items i SET claimed_by = me, lease_until = now() + s.lease, attempts = i.attempts + 1,
                                    not_before = NULL, number_busy_until = NULL
             WHERE i.id = cand.id;
            RETURN QUERY
                SELECT i.id, i.e164, i.contact_id, c.name, i.attempts, i.lease_until, exempt
                  FROM list_items i LEFT JOIN contacts c ON c.id = i.contact_id
                 WHERE i.id = cand.id;
            RETURN;
        END IF;
        -- Its number is someone else's now, or in its cool-off: not worth looking at again before that ends.
        UPDATE list_items i
           SET number_busy_until = (SELECT greatest(g.lease_until, g.claimed_at + s.cool_off)
                               FROM dial_guard g WHERE g.e164 = cand.e164)
         WHERE i.id = cand.id;
    END LOOP;
    RETURN;
END
$$;

-- An ad-hoc dial: take the number's guard, or say who claimed it last and when. `confirmed` (the agent saw that and
-- still wants to call) takes it anyway unless another agent holds its lease right now or it is on the team's DNC.
CREATE FUNCTION c2c.claim_number(number text, confirmed boolean DEFAULT false)
RETURNS TABLE (claimed boolean, on_dnc boolean, last_by text, last_at timestamptz, in_progress boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
#variable_conflict use_column
DECLARE
    me text := session_user;
    s record;
    g record;
BEGIN
    IF number IS NULL OR number !~ {_E164} THEN
        RAISE EXCEPTION 'not an international number: %', number USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = number AND d.deleted_at IS NULL) THEN
        RETURN QUERY SELECT false, true, NULL::text, NULL::timestamptz, false;
        RETURN;
    END IF;
    SELECT t.cool_off, t.lease INTO s FROM team_settings t;
    IF take_number(number, me, NULL, false, s.cool_off, s.lease) THEN
        RETURN QUERY SELECT true, false, NULL::text, NULL::timestamptz, false;
        RETURN;
    END IF;
    SELECT d.* INTO g FROM dial_guard d WHERE d.e164 = number FOR UPDATE;
    IF confirmed AND (g.lease_until <= now() OR g.claimed_by = me) THEN
        UPDATE dial_guard d
           SET previous_by = d.claimed_by, previous_at = d.claimed_at, claimed_by = me, claimed_at = now(),
               lease_until = now() + s.lease, list_item_id = NULL
         WHERE d.e164 = number;
        RETURN QUERY SELECT true, false, g.claimed_by, g.claimed_at, false;
        RETURN;
    END IF;
    RETURN QUERY SELECT false, false, g.claimed_by, g.claimed_at, g.lease_until > now();
END
$$;

-- Skip: give back a claim not dialed (by list item, or by number for an ad-hoc claim). The guard row gets back what
-- the claim replaced, so an earlier call's cool-off still counts. True when there was a live claim of ours.
CREATE FUNCTION c2c.release_claim(item bigint DEFAULT NULL, number text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
    released_number text := number;
BEGIN
    IF item IS NOT NULL THEN
        UPDATE list_items i SET lease_until = NULL, attempts = greatest(i.attempts - 1, 0)
         WHERE i.id = item AND i.claimed_by = me AND i.lease_until > now()
        RETURNING i.e164 INTO released_number;
        IF NOT FOUND THEN
            RETURN false;
        END IF;
    END IF;
    IF released_number IS NULL THEN
        RETURN false;
    END IF;
    DELETE FROM dial_guard g
     WHERE g.e164 = released_number AND g.claimed_by = me AND g.lease_until > now() AND g.previous_by IS NULL;
    IF NOT FOUND THEN
        UPDATE dial_guard g
           SET claimed_by = g.previous_by, claimed_at = g.previous_at, lease_until = now(), list_item_id = NULL,
               previous_by = NULL, previous_at = NULL
         WHERE g.e164 = released_number AND g.claimed_by = me AND g.lease_until > now();
        IF NOT FOUND THEN
            RETURN false;
        END IF;
    END IF;
    -- Items put off because this claim held their number are worth a look again.
    UPDATE list_items i SET number_busy_until = NULL
     WHERE i.e164 = released_number AND i.state = 'open' AND i.number_busy_until > now();
    RETURN true;
END
$$;

-- After the call: the item is done, or open again (not before `retry_at`); its number's lease ends (the cool-off,
-- counted from the claim, still holds).
CREATE FUNCTION c2c.finish_item(item bigint, done boolean, outcome text DEFAULT NULL,
                                retry_at timestamptz DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
    finished_number text;
BEGIN
    UPDATE list_items i
       SET state = CASE WHEN done THEN 'done' ELSE 'open' END, lease_until = NULL, last_outcome = outcome,
           not_before = retry_at, callback_at = NULL, callback_by = NULL
     WHERE i.id = item AND i.claimed_by = me AND i.state = 'open'
    RETURNING i.e164 INTO finished_number;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE dial_guard g SET lease_until = least(g.lease_until, now())
     WHERE g.e164 = finished_number AND g.claimed_by = me;
    RETURN true;
END
$$;

-- A callback on an item the agent claimed last: reserved for that agent, and exempt from the cool-off for them, from
-- `due_at` on.
CREATE FUNCTION c2c.schedule_callback(item bigint, due_at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
BEGIN
    UPDATE list_items i SET callback_at = due_at, callback_by = me, lease_until = NULL, state = 'open'
     WHERE i.id = item AND i.claimed_by = me AND i.deleted_at IS NULL;
    RETURN FOUND;
END
$$;

-- For `team status`: the claims whose lease has not ended.
CREATE FUNCTION c2c.claims_in_flight()
RETURNS TABLE (number text, claimed_by text, claimed_at timestamptz, lease_until timestamptz, list_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
    SELECT g.e164, g.claimed_by, g.claimed_at, g.lease_until, l.name
      FROM dial_guard g
      LEFT JOIN list_items i ON i.id = g.list_item_id
      LEFT JOIN call_lists l ON l.id = i.list_id
     WHERE g.lease_until > now()
     ORDER BY g.claimed_at
$$;

REVOKE ALL ON FUNCTION c2c.stamp_change(), c2c.keep_finished_call(),
    c2c.take_number(text, text, bigint, boolean, interval, interval), c2c.claim_next(bigint),
    c2c.claim_number(text, boolean), c2c.release_claim(bigint, text),
    c2c.finish_item(bigint, boolean, text, timestamptz), c2c.schedule_callback(bigint, timestamptz),
    c2c.claims_in_flight() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION c2c.claim_next(bigint), c2c.claim_number(text, boolean), c2c.release_claim(bigint, text),
    c2c.finish_item(bigint, boolean, text, timestamptz), c2c.schedule_callback(bigint, timestamptz)
    TO c2c_agent, c2c_manager;
GRANT EXECUTE ON FUNCTION c2c.claims_in_flight() TO c2c_manager;
"""

#: The tables whose direct edits ring the `c2c_changes` doorbell (manager-side data that agents pull).
NOTIFYING_TABLES = ("team_settings", "contacts", "call_lists", "list_items", "dnc")
#: LISTEN/NOTIFY channel: a small JSON payload {"t": table} says "pull now"; the pull is what counts (TEAM.md §3).
CHANGES_CHANNEL = "c2c_changes"

# Sync (core/team/sync.py). Push: agents upsert c2c.calls and c2c.notes keyed by (agent, client_uuid) as themselves
# (RLS: agent = current_user); keep_finished_call keeps a done call done. Doorbell: a statement-level trigger
# notifies once per statement, only for a direct edit (current_user = session_user): inside the SECURITY DEFINER
# claim functions current_user is the owner, so a claim or a finished item never notifies (NOTIFY takes a global
# lock at commit: never per dial). Re-stamp: a list whose assignees change (or that is deleted or brought back)
# gets its items stamped again, so an agent newly assigned pulls them past their cursor.
_SYNC = f"""
SET LOCAL ROLE c2c_owner;

CREATE FUNCTION c2c.ring_changes() RETURNS trigger
LANGUAGE plpgsql SET search_path = c2c, pg_temp AS $$
BEGIN
    IF current_user = session_user THEN
        PERFORM pg_notify('{CHANGES_CHANNEL}', json_build_object('t', TG_TABLE_NAME)::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION c2c.restamp_list_items() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
BEGIN
    UPDATE list_items i SET seq = i.seq WHERE i.list_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER restamp_items AFTER UPDATE OF assigned_to, deleted_at ON c2c.call_lists FOR EACH ROW
    WHEN (OLD.assigned_to IS DISTINCT FROM NEW.assigned_to OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION c2c.restamp_list_items();

REVOKE ALL ON FUNCTION c2c.ring_changes(), c2c.restamp_list_items() FROM PUBLIC;
""" + "".join(
    f"CREATE TRIGGER ring_changes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON c2c.{table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION c2c.ring_changes();\n"
    for table in NOTIFYING_TABLES
)

# The indexes migration 4's claim_next reads the list through, in its order (version 1 sorted every open item on
# each claim: 66 ms at 100,000 items).
_CLAIM_BY_INDEX = """
SET LOCAL ROLE c2c_owner;
CREATE INDEX list_items_next ON c2c.list_items (list_id, position, id)
    WHERE state = 'open' AND deleted_at IS NULL AND callback_at IS NULL;
CREATE INDEX list_items_callbacks ON c2c.list_items (list_id, callback_by, callback_at)
    WHERE state = 'open' AND deleted_at IS NULL AND callback_at IS NOT NULL;
"""

# claim_next without a sort of the whole list: the agent's due callbacks first (few), then the open items in list
# order through list_items_next (migration 3), 32 candidates at a time, each locked alone.
# Found in review: a callback's exemption ignored another agent's later claim (two agents within the cool-off);
# claim_next locked a batch of rows at once, so a concurrent claimer could find nothing while free rows remained; an
# agent's own ad-hoc claim read as "calling now" until its lease ended (finish_number ends it); schedule_callback
# could reopen a finished item.
_REVIEW_FIXES = f"""
SET LOCAL ROLE c2c_owner;

CREATE OR REPLACE FUNCTION c2c.take_number(number text, agent text, item bigint, exempt boolean, cool_off interval,
                                           lease interval) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    taken boolean;
BEGIN
    -- `exempt` (the agent's own callback) skips the cool-off only of the agent's own last claim: a later claim by
    -- another agent still holds the number for its cool-off.
    INSERT INTO dial_guard AS g (e164, claimed_by, claimed_at, lease_until, list_item_id)
    VALUES (number, agent, now(), now() + lease, item)
    ON CONFLICT (e164) DO UPDATE
        SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at, lease_until = excluded.lease_until,
            list_item_id = excluded.list_item_id, previous_by = g.claimed_by, previous_at = g.claimed_at
        WHERE (g.lease_until <= now() AND g.claimed_at <= now() - cool_off)
           OR (exempt AND g.claimed_by = agent)
    RETURNING true INTO taken;
    RETURN coalesce(taken, false);
END
$$;

CREATE OR REPLACE FUNCTION c2c.claim_next(list bigint)
RETURNS TABLE (item_id bigint, number text, contact_id bigint, contact_name text, attempt integer,
               lease_until timestamptz, callback boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
#variable_conflict use_column
DECLARE
    me text := session_user;
    s record;
    cand record;
    locked bigint;
    taken bigint;
    exempt boolean;
    last_position integer := -2147483648;
    last_id bigint := 0;
    seen integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM call_lists l WHERE l.id = list AND l.deleted_at IS NULL
                   AND (me = ANY (l.assigned_to) OR pg_has_role(me, 'c2c_manager', 'MEMBER'))) THEN
        RAISE EXCEPTION 'call list % is not assigned to %', list, me USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT t.cool_off, t.lease INTO s FROM team_settings t;
    -- This agent's callbacks that are due first. Candidates are read without a lock and locked one at a time, so a
    -- claim by another agent at the same moment is kept off only the row this one is looking at.
    FOR cand IN
        SELECT i.id, i.e164 FROM list_items i
         WHERE i.list_id = list AND i.state = 'open' AND i.deleted_at IS NULL AND i.callback_at IS NOT NULL
           AND i.callback_by = me AND i.callback_at <= now()
           AND (i.lease_until IS NULL OR i.lease_until <= now())
           AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = i.e164 AND d.deleted_at IS NULL)
         ORDER BY i.callback_at, i.position, i.id
    LOOP
        SELECT i.id INTO locked FROM list_items i
         WHERE i.id = cand.id AND i.state = 'open' AND i.deleted_at IS NULL AND i.callback_by = me
           AND (i.lease_until IS NULL OR i.lease_until <= now())
         FOR UPDATE SKIP LOCKED;
        CONTINUE WHEN locked IS NULL;
        IF take_number(cand.e164, me, cand.id, true, s.cool_off, s.lease) THEN
            taken := cand.id;
            exempt := true;
            EXIT;
        END IF;
    END LOOP;
    -- Then the list in order, 32 candidates at a time through list_items_next.
    WHILE taken IS NULL LOOP
        seen := 0;
        FOR cand IN
            SELECT i.id, i.e164, i.position FROM list_items i
             WHERE i.list_id = list AND i.state = 'open' AND i.deleted_at IS NULL AND i.callback_at IS NULL
               AND (i.position, i.id) > (last_position, last_id)
               AND (i.lease_until IS NULL OR i.lease_until <= now())
               AND (i.not_before IS NULL OR i.not_before <= now())
               AND (i.number_busy_until IS NULL OR i.number_busy_until <= now())
               AND NOT EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = i.e164 AND d.deleted_at IS NULL)
             ORDER BY i.position, i.id
             LIMIT 32
        LOOP
            seen := seen + 1;
            last_position := cand.position;
            last_id := cand.id;
            -- Locked alone, and checked again under the lock (another claim may have taken it since the read).
            SELECT i.id INTO locked FROM list_items i
             WHERE i.id = cand.id AND i.state = 'open' AND i.deleted_at IS NULL AND i.callback_at IS NULL
               AND (i.lease_until IS NULL OR i.lease_until <= now())
             FOR UPDATE SKIP LOCKED;
            CONTINUE WHEN locked IS NULL;
            IF take_number(cand.e164, me, cand.id, false, s.cool_off, s.lease) THEN
                taken := cand.id;
                exempt := false;
                EXIT;
            END IF;
            -- Its number is someone else's now, or in its cool-off: not worth looking at again before that ends.
            UPDATE list_items i
               SET number_busy_until = (SELECT greatest(g.lease_until, g.claimed_at + s.cool_off)
                                   FROM dial_guard g WHERE g.e164 = cand.e164)
             WHERE i.id = cand.id;
        END LOOP;
        EXIT WHEN seen = 0;
    END LOOP;
    IF taken IS NULL THEN
        RETURN;
    END IF;
    UPDATE list_items i SET claimed_by = me, lease_until = now() + s.lease, attempts = i.attempts + 1,
                            not_before = NULL, number_busy_until = NULL
     WHERE i.id = taken;
    RETURN QUERY
        SELECT i.id, i.e164, i.contact_id, c.name, i.attempts, i.lease_until, exempt
          FROM list_items i LEFT JOIN contacts c ON c.id = i.contact_id
         WHERE i.id = taken;
END
$$;

-- The agent's own earlier claim is not "calling now": it is the cool-off's question (confirmed: taken again).
CREATE OR REPLACE FUNCTION c2c.claim_number(number text, confirmed boolean DEFAULT false)
RETURNS TABLE (claimed boolean, on_dnc boolean, last_by text, last_at timestamptz, in_progress boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
#variable_conflict use_column
DECLARE
    me text := session_user;
    s record;
    g record;
BEGIN
    IF number IS NULL OR number !~ {_E164} THEN
        RAISE EXCEPTION 'not an international number: %', number USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM dnc d WHERE d.e164 = number AND d.deleted_at IS NULL) THEN
        RETURN QUERY SELECT false, true, NULL::text, NULL::timestamptz, false;
        RETURN;
    END IF;
    SELECT t.cool_off, t.lease INTO s FROM team_settings t;
    IF take_number(number, me, NULL, false, s.cool_off, s.lease) THEN
        RETURN QUERY SELECT true, false, NULL::text, NULL::timestamptz, false;
        RETURN;
    END IF;
    SELECT d.* INTO g FROM dial_guard d WHERE d.e164 = number FOR UPDATE;
    IF confirmed AND (g.lease_until <= now() OR g.claimed_by = me) THEN
        UPDATE dial_guard d
           SET previous_by = d.claimed_by, previous_at = d.claimed_at, claimed_by = me, claimed_at = now(),
               lease_until = now() + s.lease, list_item_id = NULL
         WHERE d.e164 = number;
        RETURN QUERY SELECT true, false, g.claimed_by, g.claimed_at, false;
        RETURN;
    END IF;
    RETURN QUERY SELECT false, false, g.claimed_by, g.claimed_at, g.lease_until > now() AND g.claimed_by <> me;
END
$$;

-- After an ad-hoc call: the number's lease ends (its cool-off, counted from the claim, still holds).
CREATE FUNCTION c2c.finish_number(number text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
BEGIN
    UPDATE dial_guard g SET lease_until = least(g.lease_until, now())
     WHERE g.e164 = number AND g.claimed_by = session_user AND g.list_item_id IS NULL;
    RETURN FOUND;
END
$$;

CREATE OR REPLACE FUNCTION c2c.schedule_callback(item bigint, due_at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
BEGIN
    -- Only an open item this agent claimed last: a finished item is not reopened by a late callback.
    UPDATE list_items i SET callback_at = due_at, callback_by = me, lease_until = NULL
     WHERE i.id = item AND i.claimed_by = me AND i.state = 'open' AND i.deleted_at IS NULL;
    RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION c2c.finish_number(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION c2c.finish_number(text) TO c2c_agent, c2c_manager;
"""

# A call made while the server could not be reached (not team-guarded) starts its number's cool-off on the server
# when it is pushed: from then on no agent claims that number before the cool-off ends. The server's clock (the push
# time) is used, never the client's; the call's own start time only decides whether it can still matter.
_OFFLINE_CALLS_GUARD = """
SET LOCAL ROLE c2c_owner;

CREATE FUNCTION c2c.guard_pushed_call() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    cool interval;
BEGIN
    SELECT t.cool_off INTO cool FROM team_settings t;
    IF NEW.started_at <= now() - cool THEN
        RETURN NULL;
    END IF;
    INSERT INTO dial_guard AS g (e164, claimed_by, claimed_at, lease_until, list_item_id)
    VALUES (NEW.e164, NEW.agent, now(), now(), NULL)
    ON CONFLICT (e164) DO UPDATE
        SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at, list_item_id = NULL,
            previous_by = NULL, previous_at = NULL
        WHERE g.lease_until <= now();  -- a live claim is someone's call in progress: its own cool-off follows
    -- Items put off until the number was free are looked at again by the claim, which judges the new guard row.
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION c2c.guard_pushed_call() FROM PUBLIC;
CREATE TRIGGER b_guard_offline_call AFTER INSERT ON c2c.calls FOR EACH ROW
    WHEN (NOT NEW.team_guarded AND coalesce(NEW.outcome, '') NOT IN ('not_sent', 'rejected'))
    EXECUTE FUNCTION c2c.guard_pushed_call();
"""

# What a list item's last call was, in two parts as the local store keeps them: its outcome (an outcome value,
# "no_answer", "connected"…) and the agent's disposition ("Not interested"). Version 1 had one column, and a session
# sent the disposition in it, so an agent's mirror read a disposition name as the item's last outcome. The five- and
# four-argument functions set both; a callback chosen before any call (C on a card) leaves them as they were.
_LAST_DISPOSITION = """
SET LOCAL ROLE c2c_owner;
ALTER TABLE c2c.list_items ADD COLUMN last_disposition text;

CREATE FUNCTION c2c.finish_item(item bigint, done boolean, outcome text, retry_at timestamptz, disposition text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
    finished_number text;
BEGIN
    UPDATE list_items i
       SET state = CASE WHEN done THEN 'done' ELSE 'open' END, lease_until = NULL, last_outcome = outcome,
           last_disposition = disposition, not_before = retry_at, callback_at = NULL, callback_by = NULL
     WHERE i.id = item AND i.claimed_by = me AND i.state = 'open'
    RETURNING i.e164 INTO finished_number;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE dial_guard g SET lease_until = least(g.lease_until, now())
     WHERE g.e164 = finished_number AND g.claimed_by = me;
    RETURN true;
END
$$;

-- Version 1's four arguments: the same, with no disposition (a client from before this version).
CREATE OR REPLACE FUNCTION c2c.finish_item(item bigint, done boolean, outcome text DEFAULT NULL,
                                           retry_at timestamptz DEFAULT NULL) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
    SELECT c2c.finish_item(item, done, outcome, retry_at, NULL::text)
$$;

-- A callback as the call's result (a callback disposition, or a callback's call that did not settle it): the
-- call's outcome and disposition are recorded with it.
CREATE FUNCTION c2c.schedule_callback(item bigint, due_at timestamptz, outcome text, disposition text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
BEGIN
    UPDATE list_items i SET callback_at = due_at, callback_by = me, lease_until = NULL, state = 'open',
                            last_outcome = outcome, last_disposition = disposition
     WHERE i.id = item AND i.claimed_by = me AND i.state = 'open' AND i.deleted_at IS NULL;
    RETURN FOUND;
END
$$;

REVOKE ALL ON FUNCTION c2c.finish_item(bigint, boolean, text, timestamptz, text),
    c2c.schedule_callback(bigint, timestamptz, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION c2c.finish_item(bigint, boolean, text, timestamptz, text),
    c2c.schedule_callback(bigint, timestamptz, text, text) TO c2c_agent, c2c_manager;
"""

# A session that could not tell the server how a claimed item ended keeps the update and sends it when the server is
# back (core/team/session_steps.py). finish_item records it as long as the agent is still the item's last claimer
# (its lease need not be live). Once another agent has claimed it since, a done result still closes the item: its
# prospect was settled ("Not interested", "Do not call"), and nobody is to be handed it again. Only an agent with a
# call of their own on the item (pushed before) may close it this way, on a list they may claim from; another agent's
# claim in progress is left to end, and that agent's own outcome, if recorded, stays the item's last.
_LATE_DONE = """
SET LOCAL ROLE c2c_owner;

CREATE FUNCTION c2c.finish_item_late(item bigint, outcome text, disposition text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
DECLARE
    me text := session_user;
    finished_number text;
    mine boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM calls c WHERE c.agent = me AND c.list_item_id = item AND c.deleted_at IS NULL) THEN
        RETURN false;
    END IF;
    UPDATE list_items i
       SET state = 'done', not_before = NULL, callback_at = NULL, callback_by = NULL,
           last_outcome = CASE WHEN i.claimed_by = me THEN outcome ELSE i.last_outcome END,
           last_disposition = CASE WHEN i.claimed_by = me THEN disposition ELSE i.last_disposition END,
           lease_until = CASE WHEN i.claimed_by = me THEN NULL ELSE i.lease_until END
     WHERE i.id = item AND i.state = 'open' AND i.deleted_at IS NULL
       AND EXISTS (SELECT 1 FROM call_lists l WHERE l.id = i.list_id AND l.deleted_at IS NULL
                   AND (me = ANY (l.assigned_to) OR pg_has_role(me, 'c2c_manager', 'MEMBER')))
    RETURNING i.e164, i.claimed_by = me INTO finished_number, mine;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF mine THEN
        UPDATE dial_guard g SET lease_until = least(g.lease_until, now())
         WHERE g.e164 = finished_number AND g.claimed_by = me;
    END IF;
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION c2c.finish_item_late(bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION c2c.finish_item_late(bigint, text, text) TO c2c_agent, c2c_manager;
"""

# Agents added with a limit of 3 connections get 5 (admin.CONNECTION_LIMIT): the window holds up to 3 (claims, sync,
# the listener), so a `call` from a terminal during a sync found none free. Runs as the role running `team init`
# (it may alter roles), not as c2c_owner.
_CONNECTION_LIMIT_5 = """
DO $limits$
DECLARE
    member text;
BEGIN
    FOR member IN
        SELECT r.rolname FROM pg_roles r
         WHERE r.rolcanlogin AND r.rolconnlimit BETWEEN 0 AND 4
           AND (pg_has_role(r.oid, 'c2c_agent', 'MEMBER') OR pg_has_role(r.oid, 'c2c_manager', 'MEMBER'))
           AND NOT r.rolsuper AND NOT pg_has_role(r.oid, 'c2c_owner', 'MEMBER')
    LOOP
        EXECUTE format('ALTER ROLE %I CONNECTION LIMIT 5', member);
    END LOOP;
END
$limits$;
"""

# An agent's "Do not call" (a disposition, the window's or the CLI's mark) goes on the team's list, for every agent:
# the prospect asked the company, not one agent. Agents may only add (a manager removes); a number a manager took off
# before is put back, by the agent who marked it now.
_AGENT_DNC = """
SET LOCAL ROLE c2c_owner;

CREATE FUNCTION c2c.add_dnc(number text, why text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = c2c, pg_temp AS $$
BEGIN
    INSERT INTO dnc AS d (e164, added_by, reason) VALUES (number, session_user, coalesce(why, ''))
    ON CONFLICT (e164) DO UPDATE
       SET deleted_at = NULL, added_by = excluded.added_by, reason = excluded.reason, added_at = now()
     WHERE d.deleted_at IS NOT NULL;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION c2c.add_dnc(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION c2c.add_dnc(text, text) TO c2c_agent, c2c_manager;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "roles, tables, change stamps, row-level security, claim functions",
        _ROLES + _TABLES + _stamps_and_policies() + _POLICIES + _FUNCTIONS,
    ),
    Migration(
        2, "sync: the changes doorbell on direct edits, list items re-stamped when a list's assignees change", _SYNC
    ),
    Migration(3, "indexes of the open list items in list order, and of the callbacks", _CLAIM_BY_INDEX),
    Migration(
        4,
        "callbacks exempt only from the agent's own cool-off, one row locked at a time, finish_number, no late reopen",
        _REVIEW_FIXES,
    ),
    Migration(5, "a call made offline starts its number's cool-off when it is pushed", _OFFLINE_CALLS_GUARD),
    Migration(6, "list items keep their last call's disposition apart from its outcome", _LAST_DISPOSITION),
    Migration(7, "a done result sent late closes the item, also after another agent's claim", _LATE_DONE),
    Migration(8, "agents may hold 5 connections (the window 3, a terminal and a check one each)", _CONNECTION_LIMIT_5),
    Migration(9, "an agent's do-not-call mark goes on the team's list (add_dnc)", _AGENT_DNC),
)

LATEST_VERSION = MIGRATIONS[-1].version
