// OllamaGgufFinder: manifests are small JSON files (OllamaManifest parses them); blobs can be tens of
// GB, so the magic is checked before the engine's parser maps one.
#include "app/hub/ollama_gguf_finder.h"

#include "app/hub/gguf_probe.h"
#include "app/hub/ollama_manifest.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace fathom::app {

QString OllamaGgufFinder::defaultRoot()
{
    const QByteArray env = qgetenv("OLLAMA_MODELS");
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env);
    return QDir::homePath() + QStringLiteral("/.ollama/models");
}

QString OllamaGgufFinder::displayName(const QString& rel)
{
    const QStringList parts = rel.split(u'/');
    if (parts.size() != 4)
        return rel;
    if (parts[0] == u"registry.ollama.ai" && parts[1] == u"library")
        return parts[2] + u':' + parts[3];
    return parts[0] + u'/' + parts[1] + u'/' + parts[2] + u':' + parts[3];
}

QList<LocalGguf> OllamaGgufFinder::find(QStringList* skipped) const
{
    QList<LocalGguf> out;
    const QDir manifests(m_root + QStringLiteral("/manifests"));
    QDirIterator it(manifests.path(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            GgufProbe::skipReason(skipped, path + QStringLiteral(": cannot be read: ") + f.errorString());
            continue;
        }
        OllamaManifest manifest;
        try {
            manifest = OllamaManifest::parse(f.read((1 << 20) + 1).toStdString(), path.toStdString());
        } catch (const std::exception& e) {
            GgufProbe::skipReason(skipped, QString::fromUtf8(e.what()));
            continue;
        }
        const QString blob = m_root + QStringLiteral("/blobs/") + QString::fromStdString(manifest.blobName());
        if (!QFileInfo(blob).isFile()) {
            GgufProbe::skipReason(skipped, path + QStringLiteral(": its model blob %1 is missing").arg(blob));
            continue;
        }
        if (!GgufProbe::hasMagic(blob)) {
            GgufProbe::skipReason(skipped, blob + QStringLiteral(": not a GGUF file (no GGUF magic)"));
            continue;
        }
        LocalGguf g;
        g.source = LocalGguf::Source::Ollama;
        g.path = blob;
        g.label = displayName(manifests.relativeFilePath(path));
        if (GgufProbe::tryRead(g, skipped))
            out.append(g);
    }
    return out;
}

}  // namespace fathom::app
