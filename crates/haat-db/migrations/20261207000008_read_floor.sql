-- Read-your-writes across read replicas (ADR 0022): the primary's WAL write position
-- just after a seller's last acknowledged write. A seller's reads go to a replica only
-- once it has replayed past this position. Only written when replicas are configured.
-- Expand-only: older releases ignore the column.
ALTER TABLE sellers ADD COLUMN read_floor pg_lsn;
