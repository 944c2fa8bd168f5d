// A hub cache entry is models--ORG--NAME/snapshots/<commit>/; refs/main names the commit to use.
#include "app/services/model_locator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>

namespace fathom::app {

QString ModelLocator::hubCacheFolder()
{
    const QByteArray hubCache = qgetenv("HF_HUB_CACHE");
    if (!hubCache.isEmpty()) return QString::fromLocal8Bit(hubCache);
    const QByteArray hfHome = qgetenv("HF_HOME");
    if (!hfHome.isEmpty()) return QString::fromLocal8Bit(hfHome) + QStringLiteral("/hub");
    return QDir::homePath() + QStringLiteral("/.cache/huggingface/hub");
}

bool ModelLocator::looksLikeModel(const QString& folder)
{
    const QDir d(folder);
    return d.exists(QStringLiteral("config.json")) &&
           (d.exists(QStringLiteral("model.safetensors")) || d.exists(QStringLiteral("model.safetensors.index.json")));
}

QStringList ModelLocator::embeddedCandidates()
{
    QStringList out;
    // Set: the only place looked at (tests and packagers pin it; a missing folder means none).
    const QByteArray env = qgetenv("FATHOM_EMBEDDED_MODEL");
    if (!env.isEmpty()) return {QString::fromLocal8Bit(env)};
    const QString appDir = QCoreApplication::applicationDirPath();
    out << appDir + QStringLiteral("/../share/fathom/models/fathom-tiny-coder");
#ifdef FATHOM_SOURCE_DIR
    out << QStringLiteral(FATHOM_SOURCE_DIR "/resources/models/fathom-tiny-coder");
#endif
    return out;
}

QList<LocalModel> ModelLocator::findModels()
{
    QList<LocalModel> out;
    for (const QString& folder : embeddedCandidates()) {
        if (looksLikeModel(folder)) {
            out.append({QStringLiteral("fathom-tiny-coder"), QFileInfo(folder).canonicalFilePath(), true, {}});
            break;
        }
    }

    QList<LocalModel> hub;
    const QDir cache(hubCacheFolder());
    for (const QString& entry : cache.entryList({QStringLiteral("models--*")}, QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString repo = entry.mid(8).replace(QStringLiteral("--"), QStringLiteral("/"));
        const QDir snapshots(cache.filePath(entry + QStringLiteral("/snapshots")));
        QFile ref(cache.filePath(entry + QStringLiteral("/refs/main")));
        QString commit;
        if (ref.open(QIODevice::ReadOnly)) commit = QString::fromLatin1(ref.readAll()).trimmed();
        QStringList candidates;
        if (!commit.isEmpty()) candidates << commit;
        candidates << snapshots.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time);
        for (const QString& c : candidates) {
            const QString folder = snapshots.filePath(c);
            if (looksLikeModel(folder)) {
                hub.append({repo, folder, false, {}});
                break;
            }
        }
    }
    std::sort(hub.begin(), hub.end(), [](const LocalModel& a, const LocalModel& b) { return a.name < b.name; });
    return out + hub;
}

}  // namespace fathom::app
