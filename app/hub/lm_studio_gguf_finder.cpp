// LmStudioGgufFinder: only PUBLISHER/REPO/FILE depth, as LM Studio lays models out; deeper folders
// are other things (its own caches) and are not walked.
#include "app/hub/lm_studio_gguf_finder.h"

#include "app/hub/gguf_probe.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>

namespace fathom::app {

QStringList LmStudioGgufFinder::defaultRoots()
{
    return {QDir::homePath() + QStringLiteral("/.lmstudio/models"), QDir::homePath() + QStringLiteral("/.cache/lm-studio/models")};
}

QList<LocalGguf> LmStudioGgufFinder::find(QStringList* skipped) const
{
    QList<LocalGguf> out;
    QSet<QString> seen;  // the new folder is often a symlink to the old one
    const auto dirs = QDir::Dirs | QDir::NoDotAndDotDot;
    for (const QString& rootPath : m_roots) {
        const QDir root(rootPath);
        for (const QString& publisher : root.entryList(dirs, QDir::Name)) {
            const QDir pub(root.filePath(publisher));
            for (const QString& repo : pub.entryList(dirs, QDir::Name)) {
                const QDir folder(pub.filePath(repo));
                for (const QFileInfo& fi : folder.entryInfoList({QStringLiteral("*.gguf"), QStringLiteral("*.GGUF")}, QDir::Files, QDir::Name)) {
                    const QString real = fi.canonicalFilePath();
                    if (real.isEmpty() || seen.contains(real))
                        continue;
                    seen.insert(real);
                    LocalGguf g;
                    g.source = LocalGguf::Source::LmStudio;
                    g.path = fi.absoluteFilePath();
                    g.label = publisher + u'/' + repo + u'/' + fi.fileName();
                    if (GgufProbe::tryRead(g, skipped))
                        out.append(g);
                }
            }
        }
    }
    return out;
}

}  // namespace fathom::app
