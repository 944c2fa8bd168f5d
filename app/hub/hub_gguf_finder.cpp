// HubGgufFinder: snapshot entries are symlinks to blobs; a dangling one (blob deleted, download
// unfinished) is skipped, and a blob reached from two revisions is listed once.
#include "app/hub/hub_gguf_finder.h"

#include "app/hub/gguf_probe.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSet>

namespace fathom::app {

QList<LocalGguf> HubGgufFinder::find(QStringList* skipped) const
{
    QList<LocalGguf> out;
    QSet<QString> seen;
    const QDir root(m_root);
    for (const QString& entry : root.entryList({QStringLiteral("models--*")}, QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        // models--org--name: names cannot contain "--", so the first "--" after the prefix splits them.
        const QString rest = entry.mid(8);
        const qsizetype split = rest.indexOf(QStringLiteral("--"));
        if (split <= 0)
            continue;
        const QString repo = rest.left(split) + u'/' + rest.mid(split + 2);
        const QString snapshots = root.filePath(entry + QStringLiteral("/snapshots"));
        QDirIterator it(snapshots, {QStringLiteral("*.gguf"), QStringLiteral("*.GGUF")}, QDir::Files | QDir::System,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo fi(it.next());
            const QString real = fi.canonicalFilePath();
            if (real.isEmpty()) {
                GgufProbe::skipReason(skipped, fi.filePath() + QStringLiteral(": the link's blob is missing (download unfinished or deleted)"));
                continue;
            }
            if (seen.contains(real))
                continue;
            seen.insert(real);
            LocalGguf g;
            g.source = LocalGguf::Source::HubCache;
            g.path = fi.absoluteFilePath();  // the snapshot path: what hub tools and users recognise
            // snapshots/<commit>/<path in repo>
            const QString inRepo = QDir(snapshots).relativeFilePath(fi.absoluteFilePath()).section(u'/', 1);
            g.label = repo + u'/' + inRepo;
            if (GgufProbe::tryRead(g, skipped))
                out.append(g);
        }
    }
    return out;
}

}  // namespace fathom::app
