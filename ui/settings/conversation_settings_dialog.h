// Per-conversation system prompt and sampling overrides ("default" = the global setting).
#pragma once

#include "app/services/chat_types.h"

#include <QDialog>

class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace fathom::ui {

class ConversationSettingsDialog final : public QDialog {
    Q_OBJECT
public:
    ConversationSettingsDialog(const app::ConversationInfo& info, QWidget* parent = nullptr);
    app::ConversationInfo result() const;

private:
    app::ConversationInfo m_info;
    QLineEdit* m_title;
    QPlainTextEdit* m_system;
    QDoubleSpinBox* m_temperature;
    QDoubleSpinBox* m_topP;
    QSpinBox* m_topK;
    QSpinBox* m_maxTokens;
};

}  // namespace fathom::ui
