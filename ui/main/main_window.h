// Fathom's main window: conversation sidebar | chat (header with model picker, chat view, composer)
// or the model manager page, and a status bar with the loaded model, backend, context use and
// tokens/s. Start-up (database, chats, model scan, default model) is app::AppStartup's: the window
// shows its states and the services' answers and never waits on them.
#pragma once

#include "app/services/chat_types.h"
#include "app/services/model_locator.h"
#include "ui/highlight/code_highlighter.h"
#include "ui/main/theme.h"

#include <QMainWindow>
#include <QVariantMap>

#include <optional>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSplitter;
class QStackedWidget;
class QToolButton;

namespace fathom::app {
class ApiKeyStore;
class AppStartup;
class ChatSession;
class RemoteConnector;
class ChatStore;
class EngineBridge;
}  // namespace fathom::app

namespace fathom::ui {

class ChatView;
class Composer;
class ConversationSidebar;
class EditorPage;
class ModelsPage;

struct StartOptions {
    QString databasePath;                 // empty = ChatStore::defaultPath()
    qint64 openConversation = 0;          // 0 = start on a new chat
    std::optional<ThemeMode> theme;       // overrides the stored ui.theme
    bool loadDefaultModel = true;         // load the default / embedded model when found
    QStringList openFiles;                // absolute paths from `fathom FILE...`: open in the editor
};

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(app::ChatStore* store, app::EngineBridge* bridge, app::ChatSession* session, app::AppStartup* startup,
               QWidget* parent = nullptr);

    void start(const StartOptions& options);
    // True once start-up is Ready (database, settings, conversation list, model scan, the requested
    // conversation and model load have all answered): what --screenshot waits for.
    bool isSettled() const;

    ChatView* chatView() const { return m_chatView; }
    Composer* composer() const { return m_composer; }
    ConversationSidebar* sidebar() const { return m_sidebar; }
    QComboBox* modelPicker() const { return m_modelPicker; }
    QPushButton* sendButton() const { return m_send; }
    QLabel* statusModel() const { return m_statusModel; }
    QLabel* statusBackend() const { return m_statusBackend; }
    QLabel* statusContext() const { return m_statusContext; }
    QLabel* statusSpeed() const { return m_statusSpeed; }
    ModelsPage* modelsPage() const { return m_modelsPage; }
    EditorPage* editorPage() const { return m_editorPage; }
    void showModels();
    void showEditor();
    void showChat();
    void openSettings();
    void openConversationSettings();
    void loadModel(const QString& folder);
    // Shows the address of a link from model output and opens it only if the person agrees.
    void confirmAndOpenLink(const QUrl& url);

signals:
    void settled();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QWidget* buildChatPage();
    void buildStatusBar();
    void wireStartup();
    void wireStore();
    void wireSidebar();
    void wireSession();
    void wireEngine();
    void showLoading();  // progress bar and Cancel while the engine loads a model
    void applyTheme(ThemeMode mode);
    void applyChatSettings();   // chat.show_reasoning, ui.font_size
    void applyServerSettings(); // server.enabled, server.port: the local API server
    void restoreGeometryFromSettings();  // ui.window_geometry
    void updatePlaceholder();
    void updateModelPicker();
    void updateSendButton(bool generating);
    void wireRemote();
    // Remote servers' models as picker entries (folder = "remote:<server>/<model>").
    QList<app::LocalModel> remoteModels() const;

    app::ChatStore* m_store;
    app::EngineBridge* m_bridge;
    app::ChatSession* m_session;
    app::AppStartup* m_startup;
    app::ApiKeyStore* m_keys = nullptr;
    app::RemoteConnector* m_remote = nullptr;
    StartOptions m_options;
    QVariantMap m_settings;
    QList<app::LocalModel> m_models;
    QList<app::LocalModel> m_ggufModels;  // runnable GGUF files of the HF cache, Ollama, LM Studio
    QString modelTitle(const QString& engineName) const;
    QString m_lastEngineName;  // ModelInfo::name of the loaded model, for modelTitle()
    ColorScheme m_scheme = ColorScheme::Light;

    bool m_modelsScanned = false;   // the placeholder tells "no model yet" from "not looked yet"
    QString m_modelError;

    ConversationSidebar* m_sidebar = nullptr;
    QStackedWidget* m_pages = nullptr;
    QSplitter* m_splitter = nullptr;
    ChatView* m_chatView = nullptr;
    Composer* m_composer = nullptr;
    QPushButton* m_send = nullptr;
    QLabel* m_title = nullptr;
    QComboBox* m_modelPicker = nullptr;
    QToolButton* m_conversationSettings = nullptr;
    ModelsPage* m_modelsPage = nullptr;
    EditorPage* m_editorPage = nullptr;
    QLabel* m_statusModel = nullptr;
    QLabel* m_statusBackend = nullptr;
    QLabel* m_statusContext = nullptr;
    QLabel* m_statusSpeed = nullptr;
    QProgressBar* m_loadProgress = nullptr;
    QPushButton* m_cancelLoad = nullptr;
};

}  // namespace fathom::ui
