// The Hugging Face hub cache layout, exactly as huggingface_hub writes it, so Fathom finds models
// other tools downloaded and they find Fathom's:
//   <root>/models--org--name/blobs/<etag>                 file contents (etag = sha256 for LFS files)
//   <root>/models--org--name/blobs/<etag>.incomplete      a download in progress (resumed with Range)
//   <root>/models--org--name/snapshots/<commit>/<path>    relative symlink to ../../blobs/<etag>
//   <root>/models--org--name/refs/<revision>              the commit the revision pointed to
//   <root>/.locks/models--org--name/<etag>.lock           flock(2) held while a blob is written
#pragma once

#include <QString>

namespace fathom::app {

class HubCache final {
public:
    // root: the hub cache folder itself (…/huggingface/hub).
    explicit HubCache(QString root);

    // $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
    static QString defaultRoot();

    const QString& root() const { return m_root; }
    QString repoDir(const QString& repoId) const;
    QString blobPath(const QString& repoId, const QString& etag) const;
    QString incompletePath(const QString& repoId, const QString& etag) const;
    QString lockPath(const QString& repoId, const QString& etag) const;
    QString snapshotDir(const QString& repoId, const QString& commit) const;
    QString snapshotFile(const QString& repoId, const QString& commit, const QString& path) const;
    QString refPath(const QString& repoId, const QString& revision) const;

    // Commit the ref points to, or empty when the ref file is missing or does not hold a commit hash.
    QString readRef(const QString& repoId, const QString& revision) const;
    // Writes refs/<revision> (nothing when revision is itself the commit, as huggingface_hub does).
    // Throws fathom::Error naming the file when it cannot be written.
    void writeRef(const QString& repoId, const QString& revision, const QString& commit) const;
    // snapshots/<commit>/<path> -> relative symlink to the blob, replacing what was there.
    void linkSnapshot(const QString& repoId, const QString& commit, const QString& path, const QString& etag) const;

private:
    QString m_root;
};

}  // namespace fathom::app
