// Each numeric field's lowest value reads "default" and means "no override".
#include "ui/settings/conversation_settings_dialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fathom::ui {

ConversationSettingsDialog::ConversationSettingsDialog(const app::ConversationInfo& info, QWidget* parent)
    : QDialog(parent), m_info(info), m_title(new QLineEdit(info.title, this)), m_system(new QPlainTextEdit(this)),
      m_temperature(new QDoubleSpinBox(this)), m_topP(new QDoubleSpinBox(this)), m_topK(new QSpinBox(this)),
      m_maxTokens(new QSpinBox(this))
{
    setWindowTitle(tr("Conversation settings"));
    setMinimumWidth(480);
    m_system->setPlainText(info.settings.systemPrompt);
    m_system->setPlaceholderText(tr("Empty: the global system prompt"));
    const QString def = tr("default");
    m_temperature->setRange(-0.05, 2);
    m_temperature->setSingleStep(0.05);
    m_temperature->setSpecialValueText(def);
    m_temperature->setValue(info.settings.temperature < 0 ? -0.05 : info.settings.temperature);
    m_topP->setRange(-0.01, 1);
    m_topP->setSingleStep(0.01);
    m_topP->setSpecialValueText(def);
    m_topP->setValue(info.settings.topP < 0 ? -0.01 : info.settings.topP);
    m_topK->setRange(-1, 1000);
    m_topK->setSpecialValueText(def);
    m_topK->setValue(info.settings.topK);
    m_maxTokens->setRange(0, 1 << 20);
    m_maxTokens->setSpecialValueText(def);
    m_maxTokens->setValue(std::max(0, info.settings.maxTokens));

    auto* form = new QFormLayout;
    form->addRow(tr("Title"), m_title);
    form->addRow(tr("System prompt"), m_system);
    form->addRow(tr("Temperature"), m_temperature);
    form->addRow(tr("Top-p"), m_topP);
    form->addRow(tr("Top-k"), m_topK);
    form->addRow(tr("Longest reply (tokens)"), m_maxTokens);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

app::ConversationInfo ConversationSettingsDialog::result() const
{
    app::ConversationInfo out = m_info;
    out.title = m_title->text().trimmed();
    out.settings.systemPrompt = m_system->toPlainText().trimmed();
    out.settings.temperature = m_temperature->value() < 0 ? -1 : m_temperature->value();
    out.settings.topP = m_topP->value() < 0 ? -1 : m_topP->value();
    out.settings.topK = m_topK->value();
    out.settings.maxTokens = m_maxTokens->value() == 0 ? -1 : m_maxTokens->value();
    return out;
}

}  // namespace fathom::ui
