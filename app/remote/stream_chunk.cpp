// Field names as the servers send them; unknown fields are ignored so newer servers keep working.
#include "app/remote/stream_chunk.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace fathom::app {

namespace {

QString errorFrom(const QJsonObject& o)
{
    const QJsonValue e = o.value(QLatin1String("error"));
    if (e.isObject()) {
        const QString m = e.toObject().value(QLatin1String("message")).toString();
        return m.isEmpty() ? QStringLiteral("(no message)") : m;
    }
    if (e.isString()) return e.toString();
    if (o.value(QLatin1String("object")).toString() == QLatin1String("error"))
        return o.value(QLatin1String("message")).toString(QStringLiteral("(no message)"));
    return {};
}

QString textOf(const QJsonObject& o, QLatin1String key)
{
    const QJsonValue v = o.value(key);
    return v.isString() ? v.toString() : QString();  // null while the other field streams
}

}  // namespace

bool StreamChunk::parse(const QByteArray& json, StreamChunk* out, QString* problem)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        *problem = err.error != QJsonParseError::NoError
                       ? QStringLiteral("not JSON (%1 at byte %2)").arg(err.errorString()).arg(err.offset)
                       : QStringLiteral("not a JSON object");
        return false;
    }
    *out = {};
    const QJsonObject o = doc.object();
    out->error = errorFrom(o);
    const QJsonArray choices = o.value(QLatin1String("choices")).toArray();
    if (!choices.isEmpty()) {
        const QJsonObject c = choices.first().toObject();
        const QJsonObject delta = c.contains(QLatin1String("delta")) ? c.value(QLatin1String("delta")).toObject()
                                                                    : c.value(QLatin1String("message")).toObject();
        out->content = textOf(delta, QLatin1String("content")) + textOf(c, QLatin1String("text"));
        out->reasoning = textOf(delta, QLatin1String("reasoning_content"));
        if (out->reasoning.isEmpty()) out->reasoning = textOf(delta, QLatin1String("reasoning"));
        out->finishReason = textOf(c, QLatin1String("finish_reason"));
    }
    const QJsonValue usage = o.value(QLatin1String("usage"));
    if (usage.isObject()) {
        const QJsonObject u = usage.toObject();
        out->hasUsage = true;
        out->promptTokens = u.value(QLatin1String("prompt_tokens")).toInteger();
        out->completionTokens = u.value(QLatin1String("completion_tokens")).toInteger();
        out->cachedPromptTokens = u.value(QLatin1String("prompt_tokens_details")).toObject()
                                      .value(QLatin1String("cached_tokens")).toInteger(
                                          u.value(QLatin1String("prompt_cache_hit_tokens")).toInteger());
    }
    return true;
}

QString StreamChunk::errorMessage(const QByteArray& body)
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    return doc.isObject() ? errorFrom(doc.object()) : QString();
}

}  // namespace fathom::app
