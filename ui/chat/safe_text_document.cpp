// Every resource request (image, stylesheet, any scheme: http, file, qrc) is answered with nothing.
#include "ui/chat/safe_text_document.h"

#include <QVariant>

namespace fathom::ui {

SafeTextDocument::SafeTextDocument(QObject* parent) : QTextDocument(parent) {}

QVariant SafeTextDocument::loadResource(int, const QUrl&)
{
    ++m_refusedLoads;
    return {};
}

}  // namespace fathom::ui
