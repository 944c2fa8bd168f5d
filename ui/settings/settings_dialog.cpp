// One editor per key, grouped in three tabs; the dialog returns only what changed, and the caller
// writes it through ChatStore::setSetting.
#include "ui/settings/settings_dialog.h"

#include "app/remote/remote_server_list.h"
#include "ui/settings/remote_servers_page.h"
#include "inference/cpu/thread_pool.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace fathom::ui {

SettingsDialog::SettingsDialog(const QVariantMap& settings, const QList<app::LocalModel>& models, QWidget* parent,
                               app::ApiKeyStore* keys)
    : QDialog(parent), m_initial(settings)
{
    setWindowTitle(tr("Fathom settings"));
    setMinimumWidth(520);
    auto* tabs = new QTabWidget(this);

    auto combo = [&](const QString& key, const QList<std::pair<QString, QString>>& items) {
        auto* c = new QComboBox(this);
        for (const auto& [label, data] : items) c->addItem(label, data);
        const int i = c->findData(settings.value(key).toString());
        c->setCurrentIndex(i >= 0 ? i : 0);
        m_editors.insert(key, c);
        return c;
    };
    auto intSpin = [&](const QString& key, int min, int max, const QString& special = {}) {
        auto* s = new QSpinBox(this);
        s->setRange(min, max);
        if (!special.isEmpty()) s->setSpecialValueText(special);
        s->setValue(settings.value(key).toInt());
        m_editors.insert(key, s);
        return s;
    };
    auto doubleSpin = [&](const QString& key, double min, double max, double step) {
        auto* s = new QDoubleSpinBox(this);
        s->setRange(min, max);
        s->setSingleStep(step);
        s->setDecimals(2);
        s->setValue(settings.value(key).toDouble());
        m_editors.insert(key, s);
        return s;
    };
    auto check = [&](const QString& key, const QString& text) {
        auto* c = new QCheckBox(text, this);
        c->setChecked(settings.value(key).toBool());
        m_editors.insert(key, c);
        return c;
    };

    auto* general = new QWidget(this);
    auto* g = new QFormLayout(general);
    QList<std::pair<QString, QString>> modelItems = {{tr("Ask (or the embedded model)"), QString()}};
    for (const app::LocalModel& m : models) modelItems.append({m.name, m.folder});
    g->addRow(tr("Default model"), combo(QStringLiteral("model.default"), modelItems));
    g->addRow(tr("Backend"), combo(QStringLiteral("engine.backend"),
                                   {{tr("Automatic (CUDA when available)"), QStringLiteral("auto")},
                                    {tr("CUDA (NVIDIA GPU)"), QStringLiteral("cuda")},
                                    {tr("CPU"), QStringLiteral("cpu")}}));
    // No more than the machine has: the engine would clamp a larger count anyway.
    g->addRow(tr("CPU threads"), intSpin(QStringLiteral("engine.cpu_threads"), 0,
                                         fathom::inference::cpu::hardwareThreadLimit(), tr("all cores")));
    g->addRow(tr("Context length"), intSpin(QStringLiteral("chat.context_length"), 256, 1 << 20));
    // A GGUF file keeps its own types; these quantize a safetensors checkpoint while it loads.
    g->addRow(tr("Weights"), combo(QStringLiteral("engine.weights"),
                                   {{tr("As stored (bf16 checkpoints use the most memory)"), QStringLiteral("bf16")},
                                    {tr("8-bit (Q8_0, about half the memory)"), QStringLiteral("q8")},
                                    {tr("4-bit (Q4_K, about a third)"), QStringLiteral("q4")}}));
    g->addRow(tr("Theme"), combo(QStringLiteral("ui.theme"), {{tr("System"), QStringLiteral("system")},
                                                             {tr("Light"), QStringLiteral("light")},
                                                             {tr("Dark"), QStringLiteral("dark")}}));
    g->addRow(tr("Chat font size"), intSpin(QStringLiteral("ui.font_size"), 7, 32));
    auto* server = check(QStringLiteral("server.enabled"), tr("Local API server (OpenAI-compatible, this computer only)"));
    server->setToolTip(tr("Serves the loaded local model on http://127.0.0.1:PORT/v1 for editor plugins and scripts, "
                          "as `fathom-cli serve` does; no key, loopback only (docs/server.md)"));
    g->addRow(QString(), server);
    g->addRow(tr("API server port"), intSpin(QStringLiteral("server.port"), 1024, 65535));
    tabs->addTab(general, tr("General"));

    auto* generation = new QWidget(this);
    auto* c = new QFormLayout(generation);
    auto* system = new QPlainTextEdit(this);
    system->setPlainText(settings.value(QStringLiteral("chat.system_prompt")).toString());
    system->setPlaceholderText(tr("Instructions given to the model at the start of every new chat"));
    system->setMaximumHeight(90);
    m_editors.insert(QStringLiteral("chat.system_prompt"), system);
    c->addRow(tr("System prompt"), system);
    c->addRow(tr("Temperature"), doubleSpin(QStringLiteral("chat.temperature"), 0, 2, 0.05));
    c->addRow(tr("Top-p"), doubleSpin(QStringLiteral("chat.top_p"), 0, 1, 0.01));
    c->addRow(tr("Top-k"), intSpin(QStringLiteral("chat.top_k"), 0, 1000, tr("off")));
    c->addRow(tr("Min-p"), doubleSpin(QStringLiteral("chat.min_p"), 0, 1, 0.01));
    c->addRow(tr("Repetition penalty"), doubleSpin(QStringLiteral("chat.repetition_penalty"), 0.5, 2, 0.01));
    c->addRow(tr("Longest reply (tokens)"), intSpin(QStringLiteral("chat.max_tokens"), 1, 1 << 20));
    c->addRow(QString(), check(QStringLiteral("chat.show_reasoning"), tr("Show the model's reasoning (folded)")));
    tabs->addTab(generation, tr("Chat"));

    auto* editor = new QWidget(this);
    auto* e = new QFormLayout(editor);
    e->addRow(QString(), check(QStringLiteral("editor.fim_enabled"), tr("Ghost-text code completion")));
    e->addRow(tr("Completion delay (ms)"), intSpin(QStringLiteral("editor.fim_debounce_ms"), 0, 5000));
    e->addRow(tr("Longest suggestion (tokens)"), intSpin(QStringLiteral("editor.fim_max_tokens"), 1, 1024));
    QList<std::pair<QString, QString>> fimItems = {{tr("The chat model"), QString()}};
    // A remote chat model completes code through the chat bridge; a separate completion model is local.
    for (const app::LocalModel& m : models)
        if (!app::RemoteEndpoint::isRef(m.folder)) fimItems.append({m.name, m.folder});
    auto* fimModel = combo(QStringLiteral("editor.fim_model"), fimItems);
    fimModel->setToolTip(tr("Instruct and chat models were not trained to fill in the middle; a Base coder "
                            "completes better (the others get a chat-style prompt)"));
    e->addRow(tr("Model for completion"), fimModel);
    tabs->addTab(editor, tr("Code completion"));

    if (keys) {
        const QList<app::RemoteServer> servers = app::RemoteServerList::fromJson(settings.value(QStringLiteral("remote.servers")).toString());
        m_remote = new RemoteServersPage(servers, keys, this);
        tabs->addTab(m_remote, tr("Models"));
    }

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tabs);
    layout->addWidget(buttons);
}

QVariant SettingsDialog::value(const QString& key) const
{
    QWidget* w = m_editors.value(key);
    if (auto* c = qobject_cast<QComboBox*>(w)) return c->currentData().toString();
    if (auto* s = qobject_cast<QSpinBox*>(w)) return qlonglong(s->value());
    if (auto* d = qobject_cast<QDoubleSpinBox*>(w)) return d->value();
    if (auto* b = qobject_cast<QCheckBox*>(w)) return b->isChecked();
    if (auto* t = qobject_cast<QPlainTextEdit*>(w)) return t->toPlainText();
    return {};
}

void SettingsDialog::accept()
{
    if (m_remote) m_remote->commitKeys();
    QDialog::accept();
}

QVariantMap SettingsDialog::changedValues() const
{
    QVariantMap out;
    if (m_remote && m_remote->changed())
        out.insert(QStringLiteral("remote.servers"), app::RemoteServerList::toJson(m_remote->servers()));
    for (auto it = m_editors.constBegin(); it != m_editors.constEnd(); ++it) {
        const QVariant v = value(it.key());
        const QVariant old = m_initial.value(it.key());
        const bool same = v.typeId() == QMetaType::Double ? qFuzzyCompare(1.0 + v.toDouble(), 1.0 + old.toDouble())
                                                          : v.toString() == old.toString();
        if (!same) out.insert(it.key(), v);
    }
    return out;
}

}  // namespace fathom::ui
