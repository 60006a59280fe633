-- Embedded-default tuning: GIN expression indexes for FerretDB on the project's
-- own PostgreSQL cluster (dev and tests). Never needed on MongoDB, where the
-- indexes declared in src/infra/mongo/models.ts serve the same queries.
--
-- Why: FerretDB 1.24 pushes a top-level scalar equality (`{f: v}`, `$eq`,
-- `$ne`) down to PostgreSQL as `_jsonb->'f' @> v`
-- (internal/backends/postgresql/query.go, filterEqual). The indexes FerretDB
-- itself creates (createIndexes) are btree expression indexes that `@>` cannot
-- use; a GIN index on the same expression with jsonb_path_ops can (measured:
-- the slot conditional update at 100,000 documents, 344 ms -> 9.9 ms).
--
-- How: FerretDB stores collection C of database D in table
-- D.<C lowercased, special characters as _>_<8 hex digits of fnv32a(C)>
-- (metadata/registry.go, collectionCreate), and tests create databases on the
-- fly; so an event trigger indexes each new FerretDB table as it is created,
-- and booking_tuning.ensure_all() brings existing tables up to date.
--
-- Run by scripts/local-servers/postgres.ts (and the podman image's entrypoint)
-- in the `ferretdb` database as the cluster's superuser at every start,
-- before FerretDB starts. Idempotent: editing the list below and restarting
-- `npm run dev` adds the new indexes to a persistent cluster and drops the ones
-- no longer listed.

SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS booking_tuning;

-- THE LIST: fields given a GIN expression index, per collection name: exactly
-- EQUALITY_FIELDS of src/infra/mongo/indexed-fields.ts (test/unit/gin-fields.test.ts
-- fails when the two differ; test/integration/query-pushdown.test.ts fails when a
-- query selects on a field that list lacks).
CREATE OR REPLACE FUNCTION booking_tuning.gin_fields(collection text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE collection
    WHEN 'services'          THEN ARRAY['_id']
    WHEN 'slots'             THEN ARRAY['_id', 'serviceDay', 'updatedBucket', 'hold']
    WHEN 'appointments'      THEN ARRAY['_id', 'slotClaim', 'userId', 'status', 'updatedBucket', 'voidBucket']
    WHEN 'claim_transitions' THEN ARRAY['_id']
    WHEN 'service_changes'   THEN ARRAY['_id']
    WHEN 'slot_places'       THEN ARRAY['_id', 'updatedBucket']
    WHEN 'request_log'       THEN ARRAY['_id', 'createdBucket']
    WHEN 'migrations'        THEN ARRAY['_id']
    ELSE ARRAY['_id']
  END
$$;

-- Marks our indexes (so that ensure_table can drop the ones no longer listed
-- without touching FerretDB's own).
CREATE OR REPLACE FUNCTION booking_tuning.marker(field text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT 'booking gin: ' || field $$;

-- Creates the listed indexes of one FerretDB table and drops our unlisted ones.
-- Tables that are not FerretDB collections (no _jsonb column, or FerretDB's
-- own _ferretdb_* tables) are left alone.
CREATE OR REPLACE FUNCTION booking_tuning.ensure_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  nsp text;
  rel text;
  fields text[];
  f text;
  idx text;
  r record;
BEGIN
  SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = tbl AND c.relkind = 'r';
  IF rel IS NULL OR rel LIKE '\_ferretdb\_%' OR nsp LIKE 'pg\_%' OR nsp = 'information_schema' THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = tbl AND attname = '_jsonb' AND NOT attisdropped) THEN
    RETURN;
  END IF;

  fields := booking_tuning.gin_fields(regexp_replace(rel, '_[0-9a-f]{8}$', ''));
  FOREACH f IN ARRAY fields LOOP
    idx := rel || '_gin_' || lower(regexp_replace(f, '[^A-Za-z0-9]', '_', 'g'));
    IF length(idx) > 63 THEN
      idx := left(rel, 42) || '_gin_' || left(md5(f), 16);
    END IF;
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin ((_jsonb -> %L) jsonb_path_ops)',
                   idx, nsp, rel, f);
    EXECUTE format('COMMENT ON INDEX %I.%I IS %L', nsp, idx, booking_tuning.marker(f));
  END LOOP;

  FOR r IN
    SELECT i.relname AS name, obj_description(i.oid, 'pg_class') AS marker
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = tbl
  LOOP
    IF r.marker LIKE 'booking gin: %'
       AND NOT (r.marker = ANY (SELECT booking_tuning.marker(g) FROM unnest(fields) AS g)) THEN
      EXECUTE format('DROP INDEX %I.%I', nsp, r.name);
    END IF;
  END LOOP;
END
$$;

-- Every FerretDB table of every database (schema) in this PostgreSQL database.
CREATE OR REPLACE FUNCTION booking_tuning.ensure_all() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
  LOOP
    PERFORM booking_tuning.ensure_table(t);
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION booking_tuning.on_create_table() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'table' LOOP
    PERFORM booking_tuning.ensure_table(r.objid::regclass);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS booking_ferretdb_gin_indexes;
CREATE EVENT TRIGGER booking_ferretdb_gin_indexes ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE')
  EXECUTE FUNCTION booking_tuning.on_create_table();

SELECT booking_tuning.ensure_all();
