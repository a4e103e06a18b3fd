-- PLC keeps its operations in a database of its own. @NOTE not a schema of the gateway's database:
-- kysely's Migrator without `migrationTableSchema` takes another schema's kysely_migration tables
-- for its own.
CREATE DATABASE plc;
