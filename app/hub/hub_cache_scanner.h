// Lists the models in the HF hub cache, whoever downloaded them (Fathom, huggingface-cli,
// transformers), with their disk use, and deletes one. Reads only the file system, no network.
#pragma once

#include "app/hub/hub_cache.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

namespace fathom::app {

struct CachedSnapshot {
    QString commit;
    QString folder;        // snapshots/<commit>: what the engine loads
    int files = 0;         // entries in it (symlinks or, on file systems without them, copies)
    int missingFiles = 0;  // symlinks whose blob is gone
    bool hasConfig = false;  // config.json present: loadable as a model folder
};

struct CachedModel {
    QString repo;                  // "org/name"
    QString folder;                // <root>/models--org--name
    qint64 diskBytes = 0;          // every regular file under the folder, partial downloads included
    qint64 partialBytes = 0;       // blobs/*.incomplete: an unfinished download
    QMap<QString, QString> refs;   // revision -> commit
    QList<CachedSnapshot> snapshots;
    QDateTime lastModified;
};

class HubCacheScanner final {
public:
    explicit HubCacheScanner(HubCache cache) : m_cache(std::move(cache)) {}

    // Every models--*--* folder under the cache root, sorted by repo; other repo types (datasets--,
    // spaces--) and stray entries are skipped.
    QList<CachedModel> scan() const;
    // The snapshot folder a revision points to (refs/<revision>, or the commit itself), or empty.
    QString snapshotFor(const QString& repo, const QString& revision = QStringLiteral("main")) const;
    // Removes the model's folder and its lock folder. Throws fathom::Error naming what could not be
    // removed. The caller cancels any running download of it first.
    void remove(const QString& repo) const;

private:
    CachedModel scanOne(const QString& repo) const;
    HubCache m_cache;
};

}  // namespace fathom::app
