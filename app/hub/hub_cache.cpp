// HubCache: paths and the two writes (refs, snapshot symlinks) of the huggingface_hub cache layout.
#include "app/hub/hub_cache.h"

#include "app/hub/hub_names.h"
#include "base/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <filesystem>
#include <system_error>

namespace fathom::app {

HubCache::HubCache(QString root) : m_root(QDir::cleanPath(std::move(root))) {}

QString HubCache::defaultRoot()
{
    const QString hubCache = qEnvironmentVariable("HF_HUB_CACHE");
    if (!hubCache.isEmpty())
        return hubCache;
    QString hfHome = qEnvironmentVariable("HF_HOME");
    if (hfHome.isEmpty()) {
        QString xdg = qEnvironmentVariable("XDG_CACHE_HOME");
        if (xdg.isEmpty())
            xdg = QDir::homePath() + QStringLiteral("/.cache");
        hfHome = xdg + QStringLiteral("/huggingface");
    }
    return hfHome + QStringLiteral("/hub");
}

QString HubCache::repoDir(const QString& repoId) const { return m_root + u'/' + repoFolderName(repoId); }

QString HubCache::blobPath(const QString& repoId, const QString& etag) const
{
    return repoDir(repoId) + QStringLiteral("/blobs/") + etag;
}

QString HubCache::incompletePath(const QString& repoId, const QString& etag) const
{
    return blobPath(repoId, etag) + QStringLiteral(".incomplete");
}

QString HubCache::lockPath(const QString& repoId, const QString& etag) const
{
    return m_root + QStringLiteral("/.locks/") + repoFolderName(repoId) + u'/' + etag + QStringLiteral(".lock");
}

QString HubCache::snapshotDir(const QString& repoId, const QString& commit) const
{
    return repoDir(repoId) + QStringLiteral("/snapshots/") + commit;
}

QString HubCache::snapshotFile(const QString& repoId, const QString& commit, const QString& path) const
{
    return snapshotDir(repoId, commit) + u'/' + path;
}

QString HubCache::refPath(const QString& repoId, const QString& revision) const
{
    return repoDir(repoId) + QStringLiteral("/refs/") + revision;
}

QString HubCache::readRef(const QString& repoId, const QString& revision) const
{
    if (isCommitHash(revision))
        return revision;
    QFile f(refPath(repoId, revision));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QString commit = QString::fromLatin1(f.read(64)).trimmed();
    return isCommitHash(commit) ? commit : QString();
}

void HubCache::writeRef(const QString& repoId, const QString& revision, const QString& commit) const
{
    if (revision == commit)
        return;
    const QString path = refPath(repoId, revision);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    // huggingface_hub writes the bare hash, no newline.
    if (!f.open(QIODevice::WriteOnly) || f.write(commit.toLatin1()) != commit.size() || !f.commit())
        throwFileError(path.toStdString(), "cannot write the ref: " + f.errorString().toStdString());
}

void HubCache::linkSnapshot(const QString& repoId, const QString& commit, const QString& path, const QString& etag) const
{
    namespace fs = std::filesystem;
    const fs::path link = fs::path(snapshotFile(repoId, commit, path).toStdString());
    const fs::path blob = fs::path(blobPath(repoId, etag).toStdString());
    std::error_code ec;
    fs::create_directories(link.parent_path(), ec);
    if (ec)
        throwFileError(link.parent_path().string(), "cannot create the snapshot folder: " + ec.message());
    // Relative, like huggingface_hub's os.path.relpath(blob, dirname(link)), so the cache can move.
    const fs::path target = blob.lexically_relative(link.parent_path());
    fs::remove(link, ec);
    fs::create_symlink(target, link, ec);
    if (ec)
        throwFileError(link.string(), "cannot create the symlink to " + target.string() + ": " + ec.message());
}

}  // namespace fathom::app
