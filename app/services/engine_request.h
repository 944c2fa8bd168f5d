// One reply or completion as the GUI thread sees it. EngineBridge routes the engine's events for
// this request to this object alone, so a requester connects to its own request and hears nothing
// of anyone else's. Owned by the bridge (a child of it) on the GUI thread; deleted with
// deleteLater() right after finished() or failed(). Only EngineBridge emits its signals.
#pragma once

#include "app/services/chat_types.h"

#include <QObject>

namespace fathom::app {

class EngineRequest final : public QObject {
    Q_OBJECT
public:
    EngineRequest(quint64 ticket, QObject* parent);

    // The number EngineBridge::stop() and the bridge's request() take.
    quint64 ticket() const { return m_ticket; }

signals:
    // replyPrefix: text the prompt already began the reply with ("<think>\n"), to show first.
    void started(qint64 promptTokens, const QString& replyPrefix);
    void token(const QString& text);   // every token, text or not, so counts and rates stay true
    void finished(const fathom::app::MessageStats& stats, fathom::app::MessageStatus status);
    void failed(const QString& message);

private:
    quint64 m_ticket;
};

}  // namespace fathom::app
