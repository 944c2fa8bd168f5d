// Asks the engine for ghost-text completions for one CodeEditor, like Qt Creator's Copilot client
// (CONTRIBUTING.md, 'Style' 9): a single-shot debounce after typing pauses, one request in flight at a
// time (FIM at Priority::Interactive through app::EngineBridge), each carrying the document revision and
// cursor position; answers for another revision are dropped, a cursor move or an edit elsewhere cancels
// the request in the engine. Streams the answer into the editor as it arrives, trimmed to a single block
// (CompletionTrimmer).
#pragma once

#include "app/services/chat_types.h"
#include "app/services/engine_bridge.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace fathom::ui {

class CodeEditor;

struct CompletionMetrics {
    double firstTextMs = -1;          // request sent -> first ghost text on screen (-1: none)
    double totalMs = -1;              // request sent -> engine finished
    qint64 generatedTokens = 0;
    qint64 promptTokens = 0;
    qint64 cachedPromptTokens = 0;    // prompt tokens the engine reused from its KV cache
    int shownCharacters = 0;          // length of the final suggestion
};

class CompletionClient final : public QObject {
    Q_OBJECT
public:
    CompletionClient(CodeEditor* editor, app::EngineBridge* bridge, QObject* parent = nullptr);
    ~CompletionClient() override;

    void setBridge(app::EngineBridge* bridge);
    app::EngineBridge* bridge() const { return m_bridge; }
    void setAutoTrigger(bool on);           // off: only Ctrl+Space asks
    void setDebounceMs(int ms);             // pause after typing before asking (default 250)
    int debounceMs() const { return m_debounce.interval(); }
    void setMaxTokens(int tokens);          // longest suggestion (default 64)
    void setPromptBudget(int tokens);       // prompt size (default 1536)

    // Asks now, at the cursor (Ctrl+Space).
    void requestNow();
    bool isRequestInFlight() const { return m_ticket != 0; }
    bool isDebouncing() const { return m_debounce.isActive(); }
    // Engine events that arrived for a request that was no longer current (tests assert on it).
    int staleAnswersDropped() const { return m_staleDropped; }
    const CompletionMetrics& lastMetrics() const { return m_last; }

signals:
    void requestSent(quint64 ticket);
    void suggestionShown();                           // first ghost text of a request
    void finished(const fathom::ui::CompletionMetrics& metrics);
    void cancelled();
    void failed(const QString& message);

private:
    void onBufferChanged(quint64 revision, bool suggestionKept);
    void onUserEdited();
    void onCursorMoved();
    void onToken(quint64 ticket, const QString& text);
    void onFinished(quint64 ticket, const app::MessageStats& stats, app::MessageStatus status);
    void onFailed(quint64 ticket, const QString& message);
    void send();
    void cancel();
    void showGenerated(bool final);
    int expectedCursor() const;

    CodeEditor* m_editor;
    QPointer<app::EngineBridge> m_bridge;
    QTimer m_debounce;
    bool m_auto = true;
    int m_maxTokens = 64;
    int m_promptBudget = 1536;

    quint64 m_ticket = 0;           // the current request, 0 = none
    quint64 m_revision = 0;         // document revision the current request (and its suggestion) is for
    int m_position = 0;             // cursor position it was asked at
    QString m_linePrefix;           // the cursor line left of the cursor, for the stop rules
    bool m_stripFences = true;
    bool m_healIndent = false;      // asked at the line start; drop the suggestion's leading indentation
    QString m_generated;            // everything the engine sent for it
    bool m_cut = false;             // the stop rules ended it; later tokens are not wanted
    QElapsedTimer m_clock;
    CompletionMetrics m_current, m_last;
    int m_staleDropped = 0;
};

}  // namespace fathom::ui

Q_DECLARE_METATYPE(fathom::ui::CompletionMetrics)
