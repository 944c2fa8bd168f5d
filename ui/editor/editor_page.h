// The code editor tab of the main window: open files in tabs (dialog, recent files, drag and drop),
// save, find/replace, and one CompletionClient per file. Completion goes to the chat's engine bridge,
// or to a bridge of its own when the settings name another model for completion (editor.fim_model).
// A status line shows the last completion's latency and token counts.
#pragma once

#include "ui/editor/completion_client.h"
#include "ui/highlight/code_highlighter.h"

#include <QHash>
#include <QVariantMap>
#include <QWidget>

#include <memory>

class QLabel;
class QMenu;
class QTabWidget;
class QToolButton;

namespace fathom::app {
class EngineBridge;
}

namespace fathom::ui {

class CodeEditor;
class FindBar;

class EditorPage final : public QWidget {
    Q_OBJECT
public:
    explicit EditorPage(app::EngineBridge* chatBridge, QWidget* parent = nullptr);
    ~EditorPage() override;

    CodeEditor* newFile(const QString& language = {});
    // Opens (or switches to) a file; on failure says why in statusMessage and returns null.
    CodeEditor* openFile(const QString& path);
    bool save(CodeEditor* editor);
    bool saveAs(CodeEditor* editor, const QString& path);
    void openWithDialog();
    void saveCurrent();
    void saveCurrentAs();
    // Asks about unsaved changes; false when the person cancelled.
    bool closeTab(int index);

    CodeEditor* currentEditor() const;
    int editorCount() const;
    CodeEditor* editorAt(int index) const;
    CompletionClient* clientFor(const CodeEditor* editor) const;
    FindBar* findBar() const { return m_find; }
    QLabel* completionStatus() const { return m_status; }
    QStringList recentFiles() const;
    // The bridge that serves completions now (the chat's, or the completion model's own).
    app::EngineBridge* completionBridge() const;

    void setColorScheme(ColorScheme scheme);
    // Reads editor.fim_enabled, editor.fim_debounce_ms, editor.fim_max_tokens and editor.fim_model
    // (plus engine.* for loading a separate completion model).
    void applySettings(const QVariantMap& settings);

signals:
    void statusMessage(const QString& text);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    CodeEditor* addEditor(CodeEditor* editor, const QString& title);
    void openUrls(const QList<QUrl>& urls);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void updateTabTitle(CodeEditor* editor);
    void configure(CompletionClient* client) const;
    void showMetrics(const CompletionMetrics& m);
    void onCurrentChanged();

    app::EngineBridge* m_chatBridge;
    std::unique_ptr<app::EngineBridge> m_ownBridge;   // when completion uses another model
    QString m_ownModel;
    QTabWidget* m_tabs;
    FindBar* m_find;
    QLabel* m_status;
    QToolButton* m_recentButton;
    QMenu* m_recentMenu;
    QHash<const CodeEditor*, CompletionClient*> m_clients;
    ColorScheme m_scheme = ColorScheme::Light;
    bool m_autoComplete = true;
    int m_debounceMs = 250;
    int m_maxTokens = 64;
    int m_untitled = 0;
};

}  // namespace fathom::ui
