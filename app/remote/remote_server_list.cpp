// Field names are stored on disk — never rename one.
#include "app/remote/remote_server_list.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace fathom::app {

QList<RemoteServer> RemoteServerList::fromJson(const QString& json)
{
    QList<RemoteServer> out;
    for (const QJsonValue& v : QJsonDocument::fromJson(json.toUtf8()).array()) {
        const QJsonObject o = v.toObject();
        RemoteServer s;
        s.id = o.value(QLatin1String("id")).toString();
        s.name = o.value(QLatin1String("name")).toString();
        s.baseUrl = QUrl(o.value(QLatin1String("url")).toString());
        s.usesKey = o.value(QLatin1String("key")).toBool();
        for (const QJsonValue& m : o.value(QLatin1String("models")).toArray()) s.models << m.toString();
        if (s.id.isEmpty() || s.id.contains(u'/') || !s.baseUrl.isValid()) continue;
        if (s.name.isEmpty()) s.name = s.baseUrl.host();
        out << s;
    }
    return out;
}

QString RemoteServerList::toJson(const QList<RemoteServer>& servers)
{
    QJsonArray a;
    for (const RemoteServer& s : servers)
        a.append(QJsonObject{{QStringLiteral("id"), s.id},
                             {QStringLiteral("name"), s.name},
                             {QStringLiteral("url"), s.baseUrl.toString()},
                             {QStringLiteral("models"), QJsonArray::fromStringList(s.models)},
                             {QStringLiteral("key"), s.usesKey}});
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

QString RemoteServerList::newId()
{
    return QUuid::createUuid().toString(QUuid::Id128).left(12);
}

const RemoteServer* RemoteServerList::find(const QList<RemoteServer>& servers, const QString& id)
{
    for (const RemoteServer& s : servers)
        if (s.id == id) return &s;
    return nullptr;
}

}  // namespace fathom::app
