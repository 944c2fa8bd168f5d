// Nothing but the ticket: the routing is EngineBridge's (engine_bridge.cpp).
#include "app/services/engine_request.h"

namespace fathom::app {

EngineRequest::EngineRequest(quint64 ticket, QObject* parent) : QObject(parent), m_ticket(ticket) {}

}  // namespace fathom::app
