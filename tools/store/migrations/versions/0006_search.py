"""queue search index, maintained counts, queue order index

Revision ID: 0006_search
Revises: 0004_case_leases
Create Date: 2026-12-03

The review queue at 100,000 cases (issue 16):

- Full-text search over the redacted columns only (subject, body, summary) and the references
  (`reference_keys`, each also without its punctuation, and the case id). `raw_messages` is never indexed.
  SQLite: a contentless FTS5 table `cases_fts` (unicode61 tokens, prefix indexes) whose rowids come from
  `case_search_ids` (an INTEGER PRIMARY KEY per case id: the implicit rowid of `cases` may change on VACUUM).
  PostgreSQL: a stored generated `tsvector` column `cases.search_tsv` ('simple' configuration, references
  weighted A, subject B, summary C, body D) with a GIN index.
  Both tokenise the same way: lower case, every run of characters that are not letters or digits is a
  separator, so a query built by `tools.store.search` means the same on both databases.
- `case_counts`: cases per (status, reason, priority, channel), kept by triggers as append-only deltas
  (+1/-1 rows; no row is updated, so concurrent writers never wait on each other or deadlock); readers sum
  them and compact them now and then (`tools.store.search.compact_counts`).
- `ix_cases_order`: (status, QUEUE_KEY, created_at, id), the queue's sort order per status, so a page is
  read from the index, never sorted. QUEUE_KEY (`tools.store.queries._prio_key`, the same expression) puts
  escalated cases first (`E` + their priority: reconciliation raises a case, issue 13), then P1..P4, then
  un-triaged cases (no priority: 'P9'); a priority filter is an IN over both keys of each priority.
  `ix_cases_reason_order` the same with the reason after the status, for the queue filtered by reason.
- The status is in the search index too (FTS5 column `status`, tsvector lexeme `~status`), so a search
  in some statuses is an intersection inside the index.

SQLite triggers belong to their table: a later batch migration that re-creates `cases` must re-create the
`cases_*` triggers below (call `sqlite_triggers()` again), or search and counts stop following the table.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_search"
down_revision = "0004_case_leases"
branch_labels = None
depends_on = None

# characters dropped from a reference for its compact form (SQLite has no regexp_replace); a reference
# with any other punctuation is still found by its parts
_PUNCT = "-/._:#,+()"


def _sqlite_compact(expr: str) -> str:
    out = f"lower(coalesce({expr}, ''))"
    for ch in _PUNCT:
        out = f"replace({out}, '{ch}', '')"
    return out


def _sqlite_refs(row: str) -> str:
    return (
        f"coalesce({row}.reference_keys, '') || ' ' || {_sqlite_compact(f'{row}.reference_keys')} || ' ' || "
        f"{row}.id || ' ' || {_sqlite_compact(f'{row}.id')}"
    )


def _sqlite_status(row: str) -> str:
    """The status as one token (`awaiting_review` -> `awaitingreview`) in the `status` column, so a search
    limited to some statuses is one index intersection inside FTS5, not a join per match."""
    return f"replace({row}.status, '_', '')"


def _counts_row(row: str, n: int) -> str:
    return f"{row}.status, coalesce({row}.reason, ''), coalesce({row}.priority, ''), {row}.channel, {n}"


def sqlite_triggers() -> list[str]:
    fts_cols = "subject, body, summary, refs, status"
    new_vals = f"NEW.subject, NEW.body, NEW.summary, {_sqlite_refs('NEW')}, {_sqlite_status('NEW')}"
    old_vals = f"OLD.subject, OLD.body, OLD.summary, {_sqlite_refs('OLD')}, {_sqlite_status('OLD')}"
    counts = "INSERT INTO case_counts (status, reason, priority, channel, n)"
    return [
        f"""CREATE TRIGGER cases_search_ai AFTER INSERT ON cases BEGIN
            INSERT INTO case_search_ids (case_id) VALUES (NEW.id);
            INSERT INTO cases_fts (rowid, {fts_cols})
                SELECT n, {new_vals} FROM case_search_ids WHERE case_id = NEW.id;
        END""",
        f"""CREATE TRIGGER cases_search_ad AFTER DELETE ON cases BEGIN
            INSERT INTO cases_fts (cases_fts, rowid, {fts_cols})
                SELECT 'delete', n, {old_vals} FROM case_search_ids WHERE case_id = OLD.id;
            DELETE FROM case_search_ids WHERE case_id = OLD.id;
        END""",
        f"""CREATE TRIGGER cases_search_au AFTER UPDATE OF subject, body, summary, reference_keys, status ON cases
        WHEN OLD.subject IS NOT NEW.subject OR OLD.body IS NOT NEW.body OR OLD.summary IS NOT NEW.summary
             OR OLD.reference_keys IS NOT NEW.reference_keys OR OLD.status IS NOT NEW.status
        BEGIN
            INSERT INTO cases_fts (cases_fts, rowid, {fts_cols})
                SELECT 'delete', n, {old_vals} FROM case_search_ids WHERE case_id = OLD.id;
            INSERT INTO cases_fts (rowid, {fts_cols})
                SELECT n, {new_vals} FROM case_search_ids WHERE case_id = NEW.id;
        END""",
        f"""CREATE TRIGGER cases_counts_ai AFTER INSERT ON cases BEGIN
            {counts} VALUES ({_counts_row('NEW', 1)});
        END""",
        f"""CREATE TRIGGER cases_counts_ad AFTER DELETE ON cases BEGIN
            {counts} VALUES ({_counts_row('OLD', -1)});
        END""",
        f"""CREATE TRIGGER cases_counts_au AFTER UPDATE OF status, reason, priority, channel ON cases
        WHEN OLD.status IS NOT NEW.status OR OLD.reason IS NOT NEW.reason OR OLD.priority IS NOT NEW.priority
             OR OLD.channel IS NOT NEW.channel
        BEGIN
            {counts} VALUES ({_counts_row('OLD', -1)}), ({_counts_row('NEW', 1)});
        END""",
    ]


BM25_WEIGHTS = "2.0, 1.0, 1.5, 4.0, 0.0"  # subject, body, summary, refs, status

SQLITE_TRIGGERS = ("cases_search_ai", "cases_search_ad", "cases_search_au", "cases_counts_ai", "cases_counts_ad",
                   "cases_counts_au")


def _pg_norm(expr: str) -> str:
    return f"regexp_replace(lower(coalesce({expr}, '')), '[^[:alnum:]]+', ' ', 'g')"


def _pg_compact(expr: str) -> str:
    return f"regexp_replace(lower(coalesce({expr}, '')), '[^[:alnum:][:space:]]+', '', 'g')"


PG_TSV = (
    "setweight(to_tsvector('simple', "
    f"{_pg_norm('reference_keys')} || ' ' || {_pg_compact('reference_keys')} || ' ' || "
    f"{_pg_norm('id')} || ' ' || {_pg_compact('id')}), 'A') || "
    f"setweight(to_tsvector('simple', {_pg_norm('subject')}), 'B') || "
    f"setweight(to_tsvector('simple', {_pg_norm('summary')}), 'C') || "
    f"setweight(to_tsvector('simple', {_pg_norm('body')}), 'D') || "
    # the status as one lexeme no search term can match (terms are letters and digits; this starts with
    # '~'), so a search limited to some statuses is one GIN intersection, not a filter on every match
    "array_to_tsvector(ARRAY['~' || status])"
)

_PG_COUNTS = [
    # statement-level triggers with transition tables: a bulk insert of N cases writes one delta per group
    """CREATE FUNCTION case_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO case_counts (status, reason, priority, channel, n)
        SELECT status, coalesce(reason, ''), coalesce(priority, ''), channel, count(*)
        FROM new_rows GROUP BY 1, 2, 3, 4;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION case_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO case_counts (status, reason, priority, channel, n)
        SELECT status, coalesce(reason, ''), coalesce(priority, ''), channel, -count(*)
        FROM old_rows GROUP BY 1, 2, 3, 4;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION case_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO case_counts (status, reason, priority, channel, n)
        SELECT status, reason, priority, channel, sum(n) FROM (
            SELECT o.status, coalesce(o.reason, '') AS reason, coalesce(o.priority, '') AS priority,
                   o.channel, -1 AS n
            FROM old_rows o JOIN new_rows w ON w.id = o.id
            WHERE (o.status, o.reason, o.priority, o.channel) IS DISTINCT FROM (w.status, w.reason, w.priority, w.channel)
            UNION ALL
            SELECT w.status, coalesce(w.reason, ''), coalesce(w.priority, ''), w.channel, 1
            FROM old_rows o JOIN new_rows w ON w.id = o.id
            WHERE (o.status, o.reason, o.priority, o.channel) IS DISTINCT FROM (w.status, w.reason, w.priority, w.channel)
        ) d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER cases_counts_ai AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION case_counts_inserted()""",
    """CREATE TRIGGER cases_counts_ad AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION case_counts_deleted()""",
    """CREATE TRIGGER cases_counts_au AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION case_counts_updated()""",
]

_BACKFILL_COUNTS = """INSERT INTO case_counts (status, reason, priority, channel, n)
    SELECT status, coalesce(reason, ''), coalesce(priority, ''), channel, count(*) FROM cases GROUP BY 1, 2, 3, 4"""


# the queue's sort key (escalated_at comes from 0005_escalations, before this revision)
QUEUE_KEY = "CASE WHEN escalated_at IS NULL THEN coalesce(priority, 'P9') ELSE 'E' || coalesce(priority, 'P9') END"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(f"CREATE INDEX ix_cases_order ON cases (status, ({QUEUE_KEY}), created_at, id)")
    # the queue filtered by reason (and priority), in queue order, from the index alone
    op.execute(f"CREATE INDEX ix_cases_reason_order ON cases (status, reason, ({QUEUE_KEY}), created_at, id)")
    op.create_table(
        "case_counts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.execute(_BACKFILL_COUNTS)
    if dialect == "postgresql":
        for stmt in _PG_COUNTS:
            op.execute(stmt)
        op.execute(f"ALTER TABLE cases ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({PG_TSV}) STORED")
        op.execute("CREATE INDEX ix_cases_search ON cases USING gin (search_tsv)")
        return
    op.execute("CREATE TABLE case_search_ids (n INTEGER PRIMARY KEY, case_id VARCHAR(40) NOT NULL UNIQUE)")
    op.execute(
        "CREATE VIRTUAL TABLE cases_fts USING fts5(subject, body, summary, refs, status, content='', "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')"
    )
    # `rank` (what ORDER BY rank sorts on inside FTS5): references weigh most, the status not at all
    op.execute(f"INSERT INTO cases_fts (cases_fts, rank) VALUES ('rank', 'bm25({BM25_WEIGHTS})')")
    op.execute("INSERT INTO case_search_ids (case_id) SELECT id FROM cases ORDER BY created_at, id")
    op.execute(
        "INSERT INTO cases_fts (rowid, subject, body, summary, refs, status) "
        f"SELECT m.n, c.subject, c.body, c.summary, {_sqlite_refs('c')}, {_sqlite_status('c')} "
        "FROM cases c JOIN case_search_ids m ON m.case_id = c.id"
    )
    for stmt in sqlite_triggers():
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cases_search")
        op.execute("ALTER TABLE cases DROP COLUMN IF EXISTS search_tsv")
        for trigger in ("cases_counts_ai", "cases_counts_ad", "cases_counts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON cases")
        for fn in ("case_counts_inserted", "case_counts_deleted", "case_counts_updated"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS cases_fts")
        op.execute("DROP TABLE IF EXISTS case_search_ids")
    op.drop_table("case_counts")
    op.execute("DROP INDEX IF EXISTS ix_cases_reason_order")
    op.execute("DROP INDEX IF EXISTS ix_cases_order")
