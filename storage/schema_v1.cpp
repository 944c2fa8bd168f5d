// Schema version 1: the first schema. Never edit this after release; change the schema with a new
// step (schema_v2.cpp) so existing databases are upgraded the same way as fresh ones are built.
#include "storage/database.h"
#include "storage/migrations.h"

namespace fathom::storage {

void migrateToV1(const Database& db)
{
    // Times are INTEGER milliseconds since the Unix epoch. Enum columns (role, status, state) are
    // TEXT — stored on disk, never rename a value: text keeps the file readable from the sqlite3
    // shell, exports and scripts, and survives reordering of the C++ enums; CHECK rejects strays.
    db.exec(R"sql(
CREATE TABLE conversations (
  id             INTEGER PRIMARY KEY,
  title          TEXT NOT NULL DEFAULT '',
  system_prompt  TEXT,               -- NULL: use the global default (settings chat.system_prompt)
  model          TEXT,               -- NULL: use the global default model
  sampling_json  TEXT,               -- NULL: global defaults; else a JSON object of overrides
  active_root_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

-- A conversation is a tree: editing a message or regenerating a reply adds a sibling (same
-- parent). Each message remembers which child is active, the conversation which root is, so the
-- shown path is a walk from active_root_id and switching branches rewrites one row. parent_id has
-- no ON DELETE CASCADE on purpose: SQLite runs cascades as nested triggers (limit 1000 deep), and
-- a long chat is a long chain; subtrees are deleted with one recursive query instead.
CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  conversation_id    INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  parent_id          INTEGER REFERENCES messages(id),
  active_child_id    INTEGER REFERENCES messages(id) ON DELETE SET NULL,
  role               TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content            TEXT NOT NULL DEFAULT '',
  reasoning          TEXT NOT NULL DEFAULT '',   -- R1-style thinking, kept apart from the answer
  status             TEXT NOT NULL CHECK (status IN ('streaming', 'complete', 'stopped', 'error', 'interrupted')),
  error              TEXT NOT NULL DEFAULT '',
  model              TEXT NOT NULL DEFAULT '',
  settings_json      TEXT NOT NULL DEFAULT '',   -- sampling settings this reply was generated with
  prompt_tokens      INTEGER NOT NULL DEFAULT 0,
  completion_tokens  INTEGER NOT NULL DEFAULT 0,
  tokens_per_second  REAL NOT NULL DEFAULT 0,
  time_to_first_token_ms REAL NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming';

-- Full-text search over every message; an external-content index kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, reasoning, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
    VALUES ('delete', old.id, old.content, old.reasoning);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
    VALUES ('delete', old.id, old.content, old.reasoning);
  INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.id, new.content, new.reasoning);
END;

-- Global settings: value is JSON text; types and defaults live in the code (storage/settings.cpp).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Models Fathom knows about (downloaded or added from disk).
CREATE TABLE models (
  folder        TEXT PRIMARY KEY,    -- the hub snapshot folder
  repo          TEXT NOT NULL DEFAULT '',
  revision      TEXT NOT NULL DEFAULT '',
  name          TEXT NOT NULL DEFAULT '',
  architecture  TEXT NOT NULL DEFAULT '',
  size_bytes    INTEGER NOT NULL DEFAULT 0,
  added_at      INTEGER NOT NULL,
  last_used_at  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- One row per file of a download, so an interrupted download resumes after a restart.
CREATE TABLE download_files (
  repo        TEXT NOT NULL,
  path        TEXT NOT NULL,
  revision    TEXT NOT NULL DEFAULT '',
  commit_sha  TEXT NOT NULL DEFAULT '',
  sha256      TEXT NOT NULL DEFAULT '',
  size        INTEGER NOT NULL DEFAULT 0,
  bytes_done  INTEGER NOT NULL DEFAULT 0,
  state       TEXT NOT NULL CHECK (state IN ('queued', 'active', 'paused', 'done', 'failed')),
  error       TEXT NOT NULL DEFAULT '',
  updated_at  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (repo, path)
) WITHOUT ROWID;
)sql");
}

}  // namespace fathom::storage
