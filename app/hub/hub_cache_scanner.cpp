// HubCacheScanner: reads the cache layout described in hub_cache.h.
#include "app/hub/hub_cache_scanner.h"

#include "app/hub/hub_names.h"
#include "base/error.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <algorithm>

namespace fathom::app {

QList<CachedModel> HubCacheScanner::scan() const
{
    QList<CachedModel> out;
    const QStringList dirs = QDir(m_cache.root()).entryList({QStringLiteral("models--*")}, QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& name : dirs) {
        // models--org--name: names cannot contain "--", so the first "--" after the prefix splits them.
        const QString rest = name.mid(8);
        const qsizetype split = rest.indexOf(QStringLiteral("--"));
        if (split <= 0)
            continue;
        const QString repo = rest.left(split) + u'/' + rest.mid(split + 2);
        if (!isValidRepoId(repo))
            continue;
        out.append(scanOne(repo));
    }
    std::sort(out.begin(), out.end(), [](const CachedModel& a, const CachedModel& b) { return a.repo < b.repo; });
    return out;
}

CachedModel HubCacheScanner::scanOne(const QString& repo) const
{
    CachedModel m;
    m.repo = repo;
    m.folder = m_cache.repoDir(repo);
    // Sizes of real files only: snapshot symlinks would count every blob twice.
    QDirIterator it(m.folder, QDir::Files | QDir::Hidden | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QFileInfo fi = it.fileInfo();
        if (fi.isSymLink())
            continue;
        m.diskBytes += fi.size();
        if (fi.fileName().endsWith(QStringLiteral(".incomplete")))
            m.partialBytes += fi.size();
        if (!m.lastModified.isValid() || fi.lastModified() > m.lastModified)
            m.lastModified = fi.lastModified();
    }
    QDirIterator refs(m.folder + QStringLiteral("/refs"), QDir::Files, QDirIterator::Subdirectories);
    while (refs.hasNext()) {
        const QString rev = QDir(m.folder + QStringLiteral("/refs")).relativeFilePath(refs.next());
        const QString commit = m_cache.readRef(repo, rev);
        if (!commit.isEmpty())
            m.refs.insert(rev, commit);
    }
    const QDir snaps(m.folder + QStringLiteral("/snapshots"));
    for (const QString& commit : snaps.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        CachedSnapshot s;
        s.commit = commit;
        s.folder = snaps.absoluteFilePath(commit);
        s.hasConfig = QFileInfo::exists(s.folder + QStringLiteral("/config.json"));
        QDirIterator files(s.folder, QDir::Files | QDir::System | QDir::Hidden, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            const QFileInfo fi(files.next());
            ++s.files;
            if (fi.isSymLink() && !QFileInfo::exists(fi.symLinkTarget()))
                ++s.missingFiles;
        }
        m.snapshots.append(s);
    }
    return m;
}

QString HubCacheScanner::snapshotFor(const QString& repo, const QString& revision) const
{
    if (!isValidRepoId(repo))
        return {};
    const QString commit = m_cache.readRef(repo, revision);
    if (commit.isEmpty())
        return {};
    const QString dir = m_cache.snapshotDir(repo, commit);
    return QFileInfo(dir).isDir() ? dir : QString();
}

void HubCacheScanner::remove(const QString& repo) const
{
    checkRepoId(repo);  // never turn a bad name into a path we delete
    const QString folder = m_cache.repoDir(repo);
    if (QFileInfo::exists(folder) && !QDir(folder).removeRecursively())
        throwFileError(folder.toStdString(), "could not delete every file of the model (permissions?)");
    QDir(m_cache.root() + QStringLiteral("/.locks/") + repoFolderName(repo)).removeRecursively();
}

}  // namespace fathom::app
