-- A journal append in one round trip (lib/journal/mutations.ts). The commit-order lock is held from here
-- until the transaction ends, so every statement the console sends while holding it is time every other
-- writer waits: the lock, the appliance read after it (each statement of a volatile function sees what
-- committed before it, so the term is the one current once the lock is held) and the row, in one call.
CREATE FUNCTION "journal_append"(p_lock bigint, p_entity text, p_key text, p_op text, p_payload jsonb, OUT seq bigint, OUT state text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  self record;
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock);
  SELECT a.term, a.appliance_id, a.state::text AS state INTO STRICT self FROM "appliance" a WHERE a.id = 1;
  INSERT INTO "journal" (term, origin, entity, key, op, payload)
    VALUES (self.term, self.appliance_id, p_entity, p_key, p_op, p_payload)
    RETURNING "journal".seq INTO seq;
  state := self.state;
END
$$;
