// Layout and wiring. Start-up itself is app::AppStartup's; the window shows what it and the
// services report. Nothing here blocks.
#include "ui/main/main_window.h"
#include "app/hub/gguf_probe.h"
#include "ui/main/window_shortcuts.h"

#include "app/remote/api_key_store.h"
#include "app/remote/remote_connector.h"
#include "app/remote/remote_server_list.h"
#include "app/services/app_startup.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "ui/chat/chat_view.h"
#include "ui/editor/editor_page.h"
#include "ui/main/composer.h"
#include "ui/main/conversation_sidebar.h"
#include "ui/models/models_page.h"
#include "ui/settings/conversation_settings_dialog.h"
#include "ui/settings/settings_dialog.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace fathom::ui {

MainWindow::MainWindow(app::ChatStore* store, app::EngineBridge* bridge, app::ChatSession* session,
                       app::AppStartup* startup, QWidget* parent)
    : QMainWindow(parent), m_store(store), m_bridge(bridge), m_session(session), m_startup(startup)
{
    setWindowTitle(QStringLiteral("Fathom"));
    resize(1280, 800);
    m_scheme = Theme::current();

    auto* splitter = new QSplitter(this);
    m_splitter = splitter;
    splitter->setChildrenCollapsible(false);
    m_sidebar = new ConversationSidebar(splitter);
    m_sidebar->setMinimumWidth(220);
    m_pages = new QStackedWidget(splitter);
    m_pages->addWidget(buildChatPage());
    m_modelsPage = new ModelsPage(m_pages);
    m_pages->addWidget(m_modelsPage);
    m_editorPage = new EditorPage(m_bridge, m_pages);
    m_editorPage->setColorScheme(m_scheme);
    m_pages->addWidget(m_editorPage);
    splitter->addWidget(m_sidebar);
    splitter->addWidget(m_pages);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({270, 1010});
    setCentralWidget(splitter);
    buildStatusBar();

    auto shortcut = [this](const QKeySequence& keys, auto slot) {
        auto* s = new QShortcut(keys, this);
        s->setContext(Qt::WindowShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_N), [this] {
        m_session->newConversation();
        showChat();
        m_composer->setFocus();
    });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_K), [this] { m_sidebar->focusSearch(); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_E), [this] { showEditor(); });
    shortcut(QKeySequence(Qt::Key_Escape), [this] { m_session->stop(); });
    WindowShortcuts::protect(this);  // the composer and search box must not swallow them

    wireStartup();
    wireStore();
    wireSidebar();
    wireSession();
    wireEngine();
    wireRemote();
    updateSendButton(false);
    updatePlaceholder();
    m_composer->setFocus();
}

QWidget* MainWindow::buildChatPage()
{
    auto* page = new QWidget;
    page->setObjectName(QStringLiteral("chatPage"));
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    auto* header = new QWidget(page);
    header->setObjectName(QStringLiteral("chatHeader"));
    auto* h = new QHBoxLayout(header);
    h->setContentsMargins(16, 8, 12, 8);
    m_title = new QLabel(tr("New chat"), header);
    m_title->setObjectName(QStringLiteral("chatTitle"));
    QFont f = m_title->font();
    f.setBold(true);
    m_title->setFont(f);
    m_modelPicker = new QComboBox(header);
    m_modelPicker->setObjectName(QStringLiteral("modelPicker"));
    m_modelPicker->setMinimumWidth(260);
    m_modelPicker->setToolTip(tr("The model that writes replies"));
    m_conversationSettings = new QToolButton(header);
    m_conversationSettings->setText(tr("Chat settings"));
    m_conversationSettings->setToolTip(tr("System prompt and sampling for this conversation"));
    m_conversationSettings->setAutoRaise(true);
    m_conversationSettings->setObjectName(QStringLiteral("conversationSettingsButton"));
    h->addWidget(m_title, 1);
    h->addWidget(m_modelPicker);
    h->addWidget(m_conversationSettings);
    layout->addWidget(header);

    m_chatView = new ChatView(m_scheme, page);
    layout->addWidget(m_chatView, 1);

    auto* composerFrame = new QWidget(page);
    composerFrame->setObjectName(QStringLiteral("composerFrame"));
    auto* c = new QHBoxLayout(composerFrame);
    c->setContentsMargins(16, 10, 16, 12);
    m_composer = new Composer(composerFrame);
    m_send = new QPushButton(tr("Send"), composerFrame);
    m_send->setObjectName(QStringLiteral("sendButton"));
    c->addWidget(m_composer, 1);
    c->addWidget(m_send, 0, Qt::AlignBottom);
    layout->addWidget(composerFrame);
    return page;
}

void MainWindow::buildStatusBar()
{
    m_statusModel = new QLabel(tr("No model"), this);
    m_statusBackend = new QLabel(this);
    m_statusContext = new QLabel(this);
    m_statusSpeed = new QLabel(this);
    m_loadProgress = new QProgressBar(this);
    m_loadProgress->setRange(0, 100);
    m_loadProgress->setMaximumWidth(180);
    m_loadProgress->setVisible(false);
    m_cancelLoad = new QPushButton(tr("Cancel"), this);
    m_cancelLoad->setVisible(false);
    statusBar()->addWidget(m_statusModel);
    statusBar()->addWidget(m_loadProgress);
    statusBar()->addWidget(m_cancelLoad);
    statusBar()->addPermanentWidget(m_statusBackend);
    statusBar()->addPermanentWidget(m_statusContext);
    statusBar()->addPermanentWidget(m_statusSpeed);
    connect(m_cancelLoad, &QPushButton::clicked, m_bridge, &app::EngineBridge::cancelLoad);
}

void MainWindow::wireStartup()
{
    using app::AppStartup;
    connect(m_startup, &AppStartup::databaseOpened, this, [this](int interrupted) {
        if (interrupted > 0)
            statusBar()->showMessage(tr("%n reply(s) were interrupted when Fathom last closed.", nullptr, interrupted), 10000);
    });
    connect(m_startup, &AppStartup::databaseFailed, this, &MainWindow::updatePlaceholder);
    connect(m_startup, &AppStartup::stateChanged, this, [this](AppStartup::State state) {
        if (state == AppStartup::State::LoadingModel && m_bridge->isLoading()) showLoading();
    });
    connect(m_startup, &AppStartup::ready, this, &MainWindow::settled);
}

void MainWindow::wireStore()
{
    using app::ChatStore;
    connect(m_store, &ChatStore::failed, this, [this](const QString& message) {
        // Before the database opened, the placeholder says why (databaseFailed).
        if (m_startup->isDatabaseOpen()) statusBar()->showMessage(message, 10000);
    });
    connect(m_store, &ChatStore::settingsLoaded, this, [this](const QVariantMap& settings) {
        m_settings = settings;
        m_editorPage->applySettings(settings);
        if (!m_options.theme) applyTheme(Theme::parse(settings.value(QStringLiteral("ui.theme")).toString()));
        applyChatSettings();
        restoreGeometryFromSettings();
        updateModelPicker();  // with the remote servers AppStartup has just read
        applyServerSettings();
    });
    connect(m_store, &ChatStore::conversationsListed, this, [this](const QString& query, const QList<app::ConversationSummary>& list) {
        m_sidebar->setConversations(query, list);
    });
    connect(m_store, &ChatStore::conversationsChanged, this, [this] { m_store->listConversations(m_sidebar->query()); });
}

void MainWindow::wireSidebar()
{
    connect(m_sidebar, &ConversationSidebar::searchRequested, m_store, [this](const QString& q) { m_store->listConversations(q); });
    connect(m_sidebar, &ConversationSidebar::conversationActivated, this, [this](qint64 id) {
        m_session->openConversation(id);
        showChat();
    });
    connect(m_sidebar, &ConversationSidebar::newChatRequested, this, [this] {
        m_session->newConversation();
        showChat();
        m_composer->setFocus();
    });
    connect(m_sidebar, &ConversationSidebar::modelsRequested, this, &MainWindow::showModels);
    connect(m_sidebar, &ConversationSidebar::editorRequested, this, &MainWindow::showEditor);
    connect(m_editorPage, &EditorPage::statusMessage, this, [this](const QString& text) { statusBar()->showMessage(text, 10000); });
    connect(m_sidebar, &ConversationSidebar::settingsRequested, this, &MainWindow::openSettings);
    connect(m_sidebar, &ConversationSidebar::deleteRequested, this, [this](qint64 id) {
        const QMessageBox::StandardButton answer = QMessageBox::question(
            this, tr("Delete chat?"), tr("Delete this chat and every version of its messages? This cannot be undone."),
            QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Yes) return;
        if (id == m_session->conversationId()) m_session->newConversation();
        m_store->deleteConversation(id);
    });
}

void MainWindow::wireSession()
{
    using app::ChatSession;
    connect(m_session, &ChatSession::pathChanged, this, [this](const QList<app::ChatMessage>& path) {
        m_chatView->setMessages(path);
        updatePlaceholder();
    });
    connect(m_session, &ChatSession::conversationChanged, this, [this](const app::ConversationInfo& info) {
        m_title->setText(info.id == 0 && info.title.isEmpty() ? tr("New chat") : info.title);
        m_sidebar->setCurrent(info.id);
    });
    connect(m_session, &ChatSession::replyText, m_chatView, &ChatView::appendText);
    connect(m_session, &ChatSession::messageUpdated, this, [this](const app::ChatMessage& m) {
        m_chatView->flush();
        m_chatView->upsertMessage(m);
        m_statusSpeed->setText(m.stats.tokensPerSecond > 0 ? tr("%1 tok/s").arg(m.stats.tokensPerSecond, 0, 'f', 1) : QString());
    });
    connect(m_session, &ChatSession::generatingChanged, this, &MainWindow::updateSendButton);
    connect(m_session, &ChatSession::liveStats, this, [this](qint64 used, double rate) {
        // A remote server that does not say its context length (DeepSeek's API) gets no "/ 0".
        m_statusContext->setText(m_bridge->contextLength() > 0 ? tr("Context %1 / %2").arg(used).arg(m_bridge->contextLength())
                                                               : tr("Context %1").arg(used));
        if (rate > 0) m_statusSpeed->setText(tr("%1 tok/s").arg(rate, 0, 'f', 1));
    });
    connect(m_session, &ChatSession::notice, this, [this](const QString& text) { statusBar()->showMessage(text, 8000); });

    connect(m_chatView, &ChatView::siblingRequested, m_session, &ChatSession::stepSibling);
    connect(m_chatView, &ChatView::regenerateRequested, m_session, &ChatSession::regenerate);
    connect(m_chatView, &ChatView::editSubmitted, m_session, &ChatSession::editAndResend);
    connect(m_chatView, &ChatView::linkClicked, this, &MainWindow::confirmAndOpenLink);
    connect(m_composer, &Composer::sendRequested, this, [this](const QString& text) {
        if (m_session->send(text)) m_composer->clear();
    });
    connect(m_send, &QPushButton::clicked, this, [this] {
        if (m_session->isGenerating()) m_session->stop();
        else if (m_session->send(m_composer->toPlainText())) m_composer->clear();
    });
    connect(m_conversationSettings, &QToolButton::clicked, this, &MainWindow::openConversationSettings);
}

void MainWindow::wireEngine()
{
    using app::EngineBridge;
    connect(m_bridge, &EngineBridge::modelsFound, this, [this](const QList<app::LocalModel>& models) {
        m_models = models;
        m_modelsScanned = true;
        m_modelsPage->setModels(models, m_bridge->modelFolder());
        updateModelPicker();
        updatePlaceholder();
    });
    connect(m_bridge, &EngineBridge::loadProgress, this, [this](double fraction, const QString& stage) {
        m_loadProgress->setValue(int(fraction * 100));
        m_statusModel->setText(tr("Loading… %1").arg(stage));
    });
    connect(m_bridge, &EngineBridge::modelLoaded, this, [this](const QString& name, const QString& backend, qint64 ctx) {
        m_loadProgress->setVisible(false);
        m_cancelLoad->setVisible(false);
        m_modelError.clear();
        m_lastEngineName = name;
        m_statusModel->setText(modelTitle(name));
        m_statusBackend->setText(backend);
        m_statusContext->setText(ctx > 0 ? tr("Context 0 / %1").arg(ctx) : tr("Context 0"));
        m_modelsPage->setModels(m_models, m_bridge->modelFolder());
        updateModelPicker();
        updatePlaceholder();
    });
    connect(m_bridge, &EngineBridge::modelLoadFailed, this, [this](const QString& message, bool cancelled) {
        m_loadProgress->setVisible(false);
        m_cancelLoad->setVisible(false);
        m_modelError = cancelled ? QString() : message;
        m_statusModel->setText(cancelled ? tr("Loading cancelled") : tr("No model loaded"));
        m_statusBackend->clear();
        m_statusContext->clear();
        if (!cancelled) statusBar()->showMessage(message, 15000);
        updateModelPicker();
        updatePlaceholder();
    });
    connect(m_modelPicker, &QComboBox::activated, this, [this](int index) {
        const QString folder = m_modelPicker->itemData(index).toString();
        if (folder == QLatin1String("manage")) {
            showModels();
            updateModelPicker();
        } else if (!folder.isEmpty() && folder != m_bridge->modelFolder()) {
            loadModel(folder);
        }
    });
    connect(m_modelsPage, &ModelsPage::loadRequested, this, [this](const QString& folder) {
        loadModel(folder);
        showChat();
    });
    connect(m_modelsPage, &ModelsPage::rescanRequested, m_bridge, &EngineBridge::scanModels);
    connect(m_modelsPage, &ModelsPage::ggufModelsChanged, this, [this](const QList<app::LocalModel>& models) {
        m_ggufModels = models;
        if (!m_bridge->modelFolder().isEmpty()) m_statusModel->setText(modelTitle(m_lastEngineName));
        updateModelPicker();
        updatePlaceholder();
    });
    connect(m_modelsPage, &ModelsPage::backRequested, this, &MainWindow::showChat);
}

void MainWindow::wireRemote()
{
    m_keys = new app::ApiKeyStore(QStringLiteral("Fathom remote servers"), this);
    m_remote = new app::RemoteConnector(m_bridge, m_keys, this);
    m_startup->setRemoteConnector(m_remote);  // a remote default model connects at start
    m_remote->setKeyPrompt([this](const app::RemoteServer& server, const QString& why) -> std::optional<QString> {
        bool ok = false;
        const QString key = QInputDialog::getText(this, tr("API key for %1").arg(server.name), why, QLineEdit::Password,
                                                  QString(), &ok);
        if (!ok || key.trimmed().isEmpty()) return std::nullopt;
        return key.trimmed();
    });
    connect(m_remote, &app::RemoteConnector::failed, this, [this](const QString& message) {
        m_loadProgress->setVisible(false);
        m_cancelLoad->setVisible(false);
        m_statusModel->setText(tr("No model loaded"));
        statusBar()->showMessage(message, 15000);
        updateModelPicker();
        updatePlaceholder();
    });
    // Keys are written when the settings dialog closes, so its answer is said here.
    connect(m_keys, &app::ApiKeyStore::written, this, [this](const QString&, bool stored, const QString& message) {
        if (!stored) statusBar()->showMessage(message, 20000);
    });
    connect(m_bridge, &app::EngineBridge::backendNotice, this,
            [this](quint64, const QString& text) { statusBar()->showMessage(text, 10000); });
    connect(m_bridge, &app::EngineBridge::localServerChanged, this, [this](int port, const QString& message) {
        if (port > 0) statusBar()->showMessage(tr("Local API server on http://127.0.0.1:%1/v1").arg(port), 10000);
        else if (!message.isEmpty()) statusBar()->showMessage(message, 15000);
    });
}

QList<app::LocalModel> MainWindow::remoteModels() const
{
    QList<app::LocalModel> out;
    for (const app::RemoteServer& server : m_remote->servers())
        for (const QString& model : server.models)
            // "DeepSeek-R1 · GPU node (vLLM)": the org prefix would crowd the server's name out of the picker.
            out.append({tr("%1 · %2").arg(model.section(u'/', -1), server.name), app::RemoteEndpoint::refFor(server.id, model), false, {}});
    return out;
}

void MainWindow::start(const StartOptions& options)
{
    m_options = options;
    if (options.theme) applyTheme(*options.theme);
    app::AppStartup::Options startup;
    startup.databasePath = options.databasePath.isEmpty() ? app::ChatStore::defaultPath() : options.databasePath;
    startup.openConversation = options.openConversation;
    startup.loadDefaultModel = options.loadDefaultModel;
    m_startup->start(startup);
    // `fathom FILE...` (and the desktop file's MIME association) opens source files in the editor.
    for (const QString& path : options.openFiles) m_editorPage->openFile(path);
    if (!options.openFiles.isEmpty()) showEditor();
}

void MainWindow::applyTheme(ThemeMode mode)
{
    const ColorScheme scheme = Theme::apply(mode);
    if (scheme == m_scheme) return;
    m_scheme = scheme;
    m_chatView->setColorScheme(scheme);
    m_chatView->setMessages(m_session->path());
    m_editorPage->setColorScheme(scheme);
}

void MainWindow::applyChatSettings()
{
    m_chatView->setShowReasoning(m_settings.value(QStringLiteral("chat.show_reasoning"), true).toBool());
    const int points = m_settings.value(QStringLiteral("ui.font_size"), 11).toInt();
    QFont font = m_chatView->font();
    if (points > 0 && font.pointSize() != points) {
        font.setPointSize(points);
        m_chatView->setFont(font);  // propagates to every message
    }
}

void MainWindow::restoreGeometryFromSettings()
{
    const QJsonObject saved =
        QJsonDocument::fromJson(m_settings.value(QStringLiteral("ui.window_geometry")).toString().toUtf8()).object();
    const QByteArray window = QByteArray::fromBase64(saved.value(QStringLiteral("window")).toString().toLatin1());
    const QByteArray splitter = QByteArray::fromBase64(saved.value(QStringLiteral("splitter")).toString().toLatin1());
    if (!window.isEmpty() && minimumSize() != maximumSize()) restoreGeometry(window);  // not when fixed (--screenshot)
    if (!splitter.isEmpty()) m_splitter->restoreState(splitter);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QJsonObject saved;
    saved[QStringLiteral("window")] = QString::fromLatin1(saveGeometry().toBase64());
    saved[QStringLiteral("splitter")] = QString::fromLatin1(m_splitter->saveState().toBase64());
    if (m_startup->isDatabaseOpen())
        m_store->setSetting(QStringLiteral("ui.window_geometry"),
                            QString::fromUtf8(QJsonDocument(saved).toJson(QJsonDocument::Compact)));
    QMainWindow::closeEvent(event);
}

void MainWindow::loadModel(const QString& folder)
{
    if (app::RemoteEndpoint::isRef(folder)) {
        m_loadProgress->setVisible(false);
        m_statusModel->setText(tr("Connecting…"));
        m_remote->connectModel(folder);
        updatePlaceholder();
        return;
    }
    m_bridge->loadModel(folder, app::AppStartup::engineOptions(m_settings));
    showLoading();
}

void MainWindow::showLoading()
{
    m_loadProgress->setValue(0);
    m_loadProgress->setVisible(true);
    m_cancelLoad->setVisible(true);
    m_statusModel->setText(tr("Loading…"));
    updatePlaceholder();
}

bool MainWindow::isSettled() const
{
    return m_startup->isReady();
}

QString MainWindow::modelTitle(const QString& engineName) const
{
    // The quantization is part of which model it is: Q4_K_M and Q8_0 of one model answer differently.
    // A found GGUF goes by its general.name: the engine names it after the file, and an Ollama blob's
    // file name is its hash.
    const QString loaded = m_bridge->modelFolder();
    for (const app::LocalModel& m : std::as_const(m_ggufModels))
        if (m.folder == loaded) return m.name + QStringLiteral(" · ") + m.quant;
    QString quant;
    if (loaded.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive))
        quant = app::GgufProbe::quantFromFileName(QFileInfo(loaded).fileName());
    if (quant.isEmpty() || quant == QLatin1String("unknown") || engineName.contains(quant, Qt::CaseInsensitive)) return engineName;
    return engineName + QStringLiteral(" · ") + quant;
}

void MainWindow::updateModelPicker()
{
    m_modelPicker->clear();
    const QString loaded = m_bridge->modelFolder();
    const bool none = m_models.isEmpty() && m_ggufModels.isEmpty();
    if (loaded.isEmpty()) m_modelPicker->addItem(none ? tr("No model on this computer") : tr("Choose a model…"), QString());
    for (const app::LocalModel& m : std::as_const(m_models))
        m_modelPicker->addItem(m.embedded ? tr("Fathom Tiny Coder (embedded)") : m.name, m.folder);
    // "DeepSeek-Coder-V2-Lite-Instruct · Q4_K_M · Ollama": the same weights can sit in several places.
    for (const app::LocalModel& m : std::as_const(m_ggufModels))
        if (m_modelPicker->findData(m.folder) < 0) m_modelPicker->addItem(m.name + QStringLiteral(" · ") + m.quant, m.folder);
    for (const app::LocalModel& m : remoteModels()) m_modelPicker->addItem(m.name, m.folder);
    if (!loaded.isEmpty() && m_modelPicker->findData(loaded) < 0) m_modelPicker->addItem(QFileInfo(loaded).fileName(), loaded);
    m_modelPicker->insertSeparator(m_modelPicker->count());
    m_modelPicker->addItem(tr("Manage models…"), QStringLiteral("manage"));
    const int current = m_modelPicker->findData(loaded);
    m_modelPicker->setCurrentIndex(current >= 0 ? current : 0);
}

void MainWindow::updateSendButton(bool generating)
{
    m_send->setText(generating ? tr("Stop") : tr("Send"));
    m_send->setToolTip(generating ? tr("Stop the reply (Esc)") : tr("Send (Enter)"));
}

void MainWindow::updatePlaceholder()
{
    QString text;
    if (!m_startup->databaseError().isEmpty()) {
        text = tr("<h3>Fathom could not open its chat database</h3><p>%1</p>")
                   .arg(m_startup->databaseError().toHtmlEscaped());
    } else if (m_bridge->isLoaded() && app::RemoteEndpoint::isRef(m_bridge->modelFolder())) {
        text = tr("<h2>What are we building today?</h2><p>Ask about code, paste an error, or describe a function "
                  "to write.<br>Replies come from <b>%1</b> on a remote server (%2).</p>")
                   .arg(m_bridge->modelName().toHtmlEscaped(), m_bridge->backendName().toHtmlEscaped());
    } else if (m_bridge->isLoaded()) {
        text = tr("<h2>What are we building today?</h2><p>Ask about code, paste an error, or describe a function "
                  "to write.<br>Replies come from <b>%1</b>, running on this computer.</p>")
                   .arg(m_bridge->modelName().toHtmlEscaped());
    } else if (m_bridge->isLoading()) {
        text = tr("<h3>Loading the model…</h3><p>You can read your chats meanwhile.</p>");
    } else if (!m_modelError.isEmpty()) {
        text = tr("<h3>The model could not be loaded</h3><p>%1</p><p>Choose another in the model picker or "
                  "open <b>Models</b>.</p>").arg(m_modelError.toHtmlEscaped());
    } else if (m_modelsScanned && m_models.isEmpty() && m_ggufModels.isEmpty()) {
        text = tr("<h3>No model yet</h3><p>Fathom runs models on this computer. Open <b>Models</b> (bottom left) "
                  "to download one, or put a Hugging Face model in %1.</p>").arg(app::ModelLocator::hubCacheFolder().toHtmlEscaped());
    } else if (m_modelsScanned) {
        text = tr("<h3>Choose a model</h3><p>Pick one in the model picker above to start chatting.</p>");
    }
    m_chatView->setPlaceholder(text);
}

void MainWindow::showModels()
{
    m_pages->setCurrentWidget(m_modelsPage);
}

void MainWindow::showEditor()
{
    m_pages->setCurrentWidget(m_editorPage);
    if (m_editorPage->editorCount() == 0) m_editorPage->newFile();
}

void MainWindow::showChat()
{
    m_pages->setCurrentIndex(0);
}

void MainWindow::openSettings()
{
    SettingsDialog dialog(m_settings, m_models + m_ggufModels + remoteModels(), this, m_keys);
    if (dialog.exec() != QDialog::Accepted) return;
    const QVariantMap changed = dialog.changedValues();
    if (changed.contains(QStringLiteral("remote.servers"))) {
        m_remote->setServers(app::RemoteServerList::fromJson(changed.value(QStringLiteral("remote.servers")).toString()));
        updateModelPicker();
    }
    for (auto it = changed.constBegin(); it != changed.constEnd(); ++it) {
        m_store->setSetting(it.key(), it.value());
        m_settings.insert(it.key(), it.value());
    }
    m_session->setGlobalSettings(m_settings);
    m_editorPage->applySettings(m_settings);
    if (changed.contains(QStringLiteral("ui.theme"))) applyTheme(Theme::parse(changed.value(QStringLiteral("ui.theme")).toString()));
    applyChatSettings();
    if (changed.contains(QStringLiteral("server.enabled")) || changed.contains(QStringLiteral("server.port"))) applyServerSettings();
}

void MainWindow::applyServerSettings()
{
    m_bridge->setLocalServer(m_settings.value(QStringLiteral("server.enabled")).toBool(),
                             m_settings.value(QStringLiteral("server.port"), 8080).toInt());
}

void MainWindow::openConversationSettings()
{
    ConversationSettingsDialog dialog(m_session->conversation(), this);
    if (dialog.exec() == QDialog::Accepted) m_session->saveConversation(dialog.result());
}

void MainWindow::confirmAndOpenLink(const QUrl& url)
{
    // The full address, never the link text: model output can label a link anything.
    QMessageBox box(QMessageBox::Question, tr("Open link?"),
                    tr("The reply links to this address:\n\n%1\n\nOpen it in your browser?").arg(url.toString()),
                    QMessageBox::Open | QMessageBox::Cancel, this);
    box.setDefaultButton(QMessageBox::Cancel);
    if (box.exec() == QMessageBox::Open) QDesktopServices::openUrl(url);
}

}  // namespace fathom::ui
