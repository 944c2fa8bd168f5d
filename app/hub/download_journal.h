// Where the download manager keeps per-file state so downloads resume after an app restart.
// The app's implementation stores it in SQLite through fathom::storage::DownloadRecords
// (sqlite_download_journal.h); tests may use an in-memory one.
#pragma once

#include <QList>
#include <QString>

namespace fathom::app {

struct DownloadFileState {
    QString repo;        // "org/name"
    QString revision;    // what the user asked for: branch, tag or commit
    QString commit;      // 40-hex commit it resolved to; empty until resolved
    QString path;        // file path inside the repo
    QString sha256;      // etag: sha256 for LFS files, git sha1 otherwise; empty until the HEAD
    qint64 size = -1;    // bytes; -1 until the HEAD
    qint64 bytesDone = 0;
    QString state;       // stored on disk, never rename: "queued" "active" "paused" "done" "failed"
    QString error;       // last error, for "failed" (and the last retry reason otherwise)
};

class DownloadJournal {
public:
    virtual ~DownloadJournal() = default;
    virtual void save(const DownloadFileState& state) = 0;  // insert or update by (repo, revision, path)
    virtual QList<DownloadFileState> all() = 0;
    virtual void removeJob(const QString& repo, const QString& revision) = 0;
};

}  // namespace fathom::app
