// ModelCatalog + ModelSource: strict parsing of the catalog and of what a user types as a model.
#include "app/hub/model_catalog.h"

#include "app/hub/hub_names.h"
#include "base/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>

namespace fathom::app {

namespace {

class Reader {
public:
    Reader(const QJsonObject& o, QString where) : m_o(o), m_where(std::move(where)) {}

    QString text(const char* key, bool required = true) const
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (v.isUndefined() && !required)
            return {};
        if (!v.isString() || v.toString().trimmed().isEmpty())
            fail(key, QStringLiteral("must be a non-empty string"));
        return v.toString();
    }
    double number(const char* key, double min, double max) const
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        if (!v.isDouble() || v.toDouble() < min || v.toDouble() > max)
            fail(key, QStringLiteral("must be a number from %1 to %2").arg(min).arg(max));
        return v.toDouble();
    }
    QStringList strings(const char* key) const
    {
        const QJsonValue v = m_o.value(QLatin1String(key));
        QStringList out;
        if (!v.isArray() || v.toArray().isEmpty())
            fail(key, QStringLiteral("must be a non-empty array of strings"));
        for (const QJsonValue& s : v.toArray()) {
            if (!s.isString())
                fail(key, QStringLiteral("must hold only strings"));
            out.append(s.toString());
        }
        return out;
    }
    [[noreturn]] void fail(const char* key, const QString& problem) const
    {
        throwUserError(QStringLiteral("%1.%2 %3").arg(m_where, QLatin1String(key), problem).toStdString());
    }

private:
    const QJsonObject& m_o;
    QString m_where;
};

// The optional "gguf" list; each entry checked like a model, errors say "models[0].gguf[2].file".
QList<CatalogGguf> readGguf(const QJsonObject& model, const QString& where)
{
    const QJsonValue list = model.value(QStringLiteral("gguf"));
    if (list.isUndefined())
        return {};
    if (!list.isArray())
        throwUserError((where + QStringLiteral(".gguf must be an array")).toStdString());
    QList<CatalogGguf> out;
    int i = 0;
    for (const QJsonValue& v : list.toArray()) {
        const QString at = QStringLiteral("%1.gguf[%2]").arg(where).arg(i++);
        if (!v.isObject())
            throwUserError((at + QStringLiteral(" must be an object")).toStdString());
        const QJsonObject o = v.toObject();
        const Reader r(o, at);
        CatalogGguf g;
        g.repo = r.text("repo");
        if (!isValidRepoId(g.repo))
            r.fail("repo", QStringLiteral("'%1' is not an ORG/NAME repo id").arg(g.repo));
        g.file = r.text("file");
        if (!g.file.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive) || g.file.contains(QStringLiteral("..")) ||
            g.file.startsWith(u'/'))
            r.fail("file", QStringLiteral("'%1' is not a relative path ending in .gguf").arg(g.file));
        // The download path takes include globs; a name without glob characters matches only itself.
        if (g.file.contains(u'*') || g.file.contains(u'?') || g.file.contains(u'['))
            r.fail("file", QStringLiteral("'%1' must name one file, not a glob").arg(g.file));
        g.quant = r.text("quant");
        for (const CatalogGguf& seen : out)
            if (seen.quant == g.quant)
                r.fail("quant", QStringLiteral("'%1' is listed twice").arg(g.quant));
        g.downloadBytes = qint64(r.number("downloadBytes", 1, 1e15));
        g.vramGB8k = r.number("vramGB8k", 0.001, 1e5);
        out.append(g);
    }
    // Smallest first: the recommendation walks up until one no longer fits.
    std::sort(out.begin(), out.end(), [](const CatalogGguf& a, const CatalogGguf& b) { return a.vramGB8k < b.vramGB8k; });
    return out;
}

}  // namespace

ModelCatalog ModelCatalog::fromJson(const QByteArray& json, const QString& source)
{
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError)
        throwFileError(source.toStdString(), "not valid JSON: " + err.errorString().toStdString() + " at offset " +
                                                 std::to_string(err.offset));
    if (!doc.isObject())
        throwFileError(source.toStdString(), "the top level is not a JSON object");
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("version")).toInt() != 1)
        throwFileError(source.toStdString(), "unsupported catalog version (expected 1)");
    const QJsonValue models = root.value(QStringLiteral("models"));
    if (!models.isArray())
        throwFileError(source.toStdString(), "'models' must be an array");
    ModelCatalog catalog;
    int i = 0;
    for (const QJsonValue& v : models.toArray()) {
        const QString where = QStringLiteral("%1: models[%2]").arg(source).arg(i++);
        if (!v.isObject())
            throwUserError((where + QStringLiteral(" must be an object")).toStdString());
        const QJsonObject o = v.toObject();
        const Reader r(o, where);
        CatalogModel m;
        m.repo = r.text("repo");
        if (!isValidRepoId(m.repo))
            r.fail("repo", QStringLiteral("'%1' is not an ORG/NAME repo id").arg(m.repo));
        if (catalog.find(m.repo))
            r.fail("repo", QStringLiteral("'%1' is listed twice").arg(m.repo));
        m.name = r.text("name");
        m.revision = r.text("revision", false);
        if (m.revision.isEmpty())
            m.revision = QStringLiteral("main");
        m.uses = r.strings("uses");
        for (const QString& use : m.uses)
            if (use != u"chat" && use != u"completion")
                r.fail("uses", QStringLiteral("has '%1'; known uses are chat and completion").arg(use));
        m.parameters = r.text("parameters");
        m.downloadBytes = qint64(r.number("downloadBytes", 1, 1e15));
        m.vramGB = r.number("vramGB", 0.001, 1e5);
        m.contextTokens = qint64(r.number("contextTokens", 1, 1e9));
        m.promptFormat = r.text("promptFormat");
        if (m.promptFormat != u"deepseek-v2" && m.promptFormat != u"deepseek-v3" && m.promptFormat != u"fim")
            r.fail("promptFormat", QStringLiteral("'%1' is not deepseek-v2, deepseek-v3 or fim").arg(m.promptFormat));
        m.license = r.text("license");
        m.licenseUrl = r.text("licenseUrl");
        if (!QUrl(m.licenseUrl).scheme().startsWith(u"http"))
            r.fail("licenseUrl", QStringLiteral("must be an http(s) address"));
        m.description = r.text("description");
        m.gguf = readGguf(o, where);
        catalog.m_models.append(m);
    }
    if (catalog.m_models.isEmpty())
        throwFileError(source.toStdString(), "the catalog lists no models");
    return catalog;
}

ModelCatalog ModelCatalog::load(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throwFileError(path.toStdString(), "cannot open the catalog: " + f.errorString().toStdString());
    if (f.size() > (1 << 20))
        throwFileError(path.toStdString(), "the catalog is larger than 1 MB");
    return fromJson(f.readAll(), path);
}

ModelCatalog ModelCatalog::builtin() { return load(QStringLiteral(":/models/catalog.json")); }

const CatalogModel* ModelCatalog::find(const QString& repo) const
{
    for (const CatalogModel& m : m_models)
        if (m.repo.compare(repo, Qt::CaseInsensitive) == 0)
            return &m;
    return nullptr;
}

ModelSource ModelSource::parse(const QString& input)
{
    QString text = input.trimmed();
    QString asPath = QDir::fromNativeSeparators(text);
    if (asPath.startsWith(QStringLiteral("~/")))
        asPath = QDir::homePath() + asPath.mid(1);
    const QFileInfo info(asPath);
    if (info.isDir()) {
        if (!QFileInfo(info.absoluteFilePath() + QStringLiteral("/config.json")).isFile())
            throwFileError(info.absoluteFilePath().toStdString(),
                           "this folder has no config.json; a model folder holds config.json, the *.safetensors "
                           "weights and tokenizer.json");
        return {Kind::LocalFolder, {}, info.absoluteFilePath()};
    }
    for (const QString& prefix : {QStringLiteral("https://huggingface.co/"), QStringLiteral("hf.co/")})
        if (text.startsWith(prefix))
            text = text.mid(prefix.size());
    if (isValidRepoId(text))
        return {Kind::HubRepo, text, {}};
    if (text.contains(u'/') && (text.startsWith(u'/') || text.startsWith(u'.') || text.startsWith(u'~')))
        throwFileError(text.toStdString(), "no such folder");
    checkRepoId(text);  // throws, saying what is wrong with it as a repo id
    return {Kind::HubRepo, text, {}};
}

}  // namespace fathom::app
