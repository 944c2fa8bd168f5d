// CompletionClient. The request's identity is (ticket, revision, position): a token is used only if
// it names the current ticket and the editor still shows that revision (or one reached by typing the
// suggestion's own start) with the cursor where the suggestion begins.
#include "ui/editor/completion_client.h"

#include "app/services/completion_types.h"
#include "app/services/engine_bridge.h"
#include "app/services/fim_request_policy.h"
#include "ui/editor/code_editor.h"
#include "ui/editor/completion_trimmer.h"
#include "ui/editor/text_suggestion.h"

#include <QTextBlock>

namespace fathom::ui {

namespace {
constexpr int kPrefixLines = 1024;  // lines before the cursor sent along (the prompter trims to tokens)
constexpr int kSuffixLines = 256;
}  // namespace

CompletionClient::CompletionClient(CodeEditor* editor, app::EngineBridge* bridge, QObject* parent)
    : QObject(parent), m_editor(editor)
{
    qRegisterMetaType<fathom::ui::CompletionMetrics>();
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(250);
    connect(&m_debounce, &QTimer::timeout, this, &CompletionClient::send);
    connect(editor, &CodeEditor::bufferChanged, this, &CompletionClient::onBufferChanged);
    connect(editor, &CodeEditor::userEdited, this, &CompletionClient::onUserEdited);
    connect(editor, &CodeEditor::cursorPositionChanged, this, &CompletionClient::onCursorMoved);
    connect(editor, &CodeEditor::completionRequested, this, &CompletionClient::requestNow);
    connect(editor, &CodeEditor::suggestionDismissed, this, &CompletionClient::cancel);
    setBridge(bridge);
}

CompletionClient::~CompletionClient()
{
    if (m_ticket && m_bridge) m_bridge->stop(m_ticket);
}

void CompletionClient::setBridge(app::EngineBridge* bridge)
{
    if (bridge == m_bridge) return;
    cancel();
    // Requests still running on the old bridge answer no more here (tickets are per bridge).
    if (m_bridge)
        for (app::EngineRequest* r : m_bridge->findChildren<app::EngineRequest*>(Qt::FindDirectChildrenOnly))
            r->disconnect(this);
    m_bridge = bridge;
}

void CompletionClient::setAutoTrigger(bool on)
{
    m_auto = on;
    if (!on) m_debounce.stop();
}

void CompletionClient::setDebounceMs(int ms) { m_debounce.setInterval(qMax(0, ms)); }
void CompletionClient::setMaxTokens(int tokens) { m_maxTokens = qMax(1, tokens); }
void CompletionClient::setPromptBudget(int tokens) { m_promptBudget = qMax(64, tokens); }

void CompletionClient::requestNow()
{
    m_debounce.stop();
    send();
}

int CompletionClient::expectedCursor() const
{
    if (const TextSuggestion* s = m_editor->suggestion()) return s->position();
    return m_ticket ? m_position : -1;
}

void CompletionClient::onBufferChanged(quint64 revision, bool suggestionKept)
{
    if (!m_ticket) return;
    if (suggestionKept) m_revision = revision;  // typed the suggestion's start: same answer, moved on
    else cancel();
}

void CompletionClient::onUserEdited()
{
    if (!m_auto || !m_bridge || !m_bridge->isLoaded()) return;
    if (m_editor->hasVisibleSuggestion()) return;  // typing through a suggestion keeps it, no new request
    m_debounce.start();
}

void CompletionClient::onCursorMoved()
{
    if (m_editor->textCursor().position() == expectedCursor()) return;
    m_debounce.stop();
    if (m_ticket || m_editor->suggestion()) cancel();
}

void CompletionClient::send()
{
    if (!m_bridge || !m_bridge->isLoaded()) {
        emit failed(tr("No model is loaded for code completion."));
        return;
    }
    cancel();
    const QTextCursor cursor = m_editor->textCursor();
    if (cursor.hasSelection()) return;
    const QTextDocument* doc = m_editor->document();
    const QTextBlock block = cursor.block();
    // The prefix starts on a line that is a multiple of the policy's step, so the prompt's start
    // (and the engine's cached prefix) stays put while the person types.
    int firstLine = qMax(0, block.blockNumber() - kPrefixLines);
    firstLine -= firstLine % app::kPrefixLineStep;
    const QTextBlock first = doc->findBlockByNumber(firstLine);
    const QTextBlock last = doc->findBlockByNumber(qMin(doc->blockCount() - 1, block.blockNumber() + kSuffixLines));
    QTextCursor range(m_editor->document());
    range.setPosition(first.position());
    range.setPosition(cursor.position(), QTextCursor::KeepAnchor);
    app::CompletionRequest request;
    request.prefix = range.selectedText().replace(QChar::ParagraphSeparator, u'\n');
    range.setPosition(cursor.position());
    range.setPosition(last.position() + last.length() - 1, QTextCursor::KeepAnchor);
    request.suffix = range.selectedText().replace(QChar::ParagraphSeparator, u'\n');
    request.prefixFirstLine = firstLine;
    request.language = m_editor->language();
    request.revision = m_editor->revision();
    request.position = cursor.position();
    request.maxTokens = m_maxTokens;
    request.promptBudget = m_promptBudget;

    m_revision = request.revision;
    m_position = request.position;
    m_linePrefix = block.text().left(cursor.positionInBlock());
    // On a line of only indentation, ask at the line's start: a prompt ending in spaces splits the
    // model's usual newline+indent tokens, and small models then indent once too many. The
    // suggestion's leading blank space is dropped again (the person's indentation wins).
    m_healIndent = !m_linePrefix.isEmpty() && m_linePrefix.trimmed().isEmpty();
    if (m_healIndent) request.prefix.chop(m_linePrefix.size());
    m_stripFences = m_editor->language() != QLatin1String("markdown");
    m_generated.clear();
    m_cut = false;
    m_current = CompletionMetrics{};
    m_clock.start();
    app::EngineRequest* engine = m_bridge->complete(request);
    const quint64 ticket = engine->ticket();
    m_ticket = ticket;
    // Kept until the engine is done with it, even once it is no longer current: what it still
    // sends is counted as stale, not shown.
    connect(engine, &app::EngineRequest::token, this, [this, ticket](const QString& text) { onToken(ticket, text); });
    connect(engine, &app::EngineRequest::finished, this,
            [this, ticket](const app::MessageStats& stats, app::MessageStatus status) { onFinished(ticket, stats, status); });
    connect(engine, &app::EngineRequest::failed, this,
            [this, ticket](const QString& message) { onFailed(ticket, message); });
    emit requestSent(ticket);
}

void CompletionClient::cancel()
{
    m_debounce.stop();
    const bool had = m_ticket != 0 || m_editor->suggestion();
    if (m_ticket && m_bridge) m_bridge->stop(m_ticket);  // the engine stops within one decode step
    m_ticket = 0;
    m_editor->clearSuggestion();
    if (had) emit cancelled();
}

void CompletionClient::onToken(quint64 ticket, const QString& text)
{
    if (ticket != m_ticket || m_editor->revision() != m_revision || m_editor->textCursor().position() != expectedCursor()) {
        ++m_staleDropped;
        if (ticket == m_ticket) cancel();
        return;
    }
    if (m_cut) return;
    m_generated += text;
    showGenerated(false);
}

void CompletionClient::showGenerated(bool final)
{
    QString generated = m_generated;
    if (m_healIndent) {
        int i = 0;
        while (i < generated.size() && generated.at(i).isSpace()) ++i;  // blank lines too: the cursor line is one
        if (i == generated.size() && !final) return;  // only indentation so far
        generated.remove(0, i);
    }
    const CompletionTrimmer::Result r = CompletionTrimmer::trim(generated, m_linePrefix, m_stripFences);
    QString text = r.text;
    if (final || r.stop) {  // nothing more comes: trailing blank space is not a suggestion
        while (!text.isEmpty() && text.back().isSpace()) text.chop(1);
    }
    const TextSuggestion* s = m_editor->suggestion();
    const int consumed = s ? s->position() - m_position : 0;
    const QString visible = consumed <= text.size() ? text.mid(consumed) : QString();
    if (!visible.isEmpty() || s) m_editor->showSuggestion(visible, m_position + consumed);
    if (!visible.isEmpty() && m_current.firstTextMs < 0) {
        m_current.firstTextMs = double(m_clock.nsecsElapsed()) / 1e6;
        emit suggestionShown();
    }
    m_current.shownCharacters = int(text.size());
    if (r.stop && !m_cut) {
        m_cut = true;
        if (m_bridge) m_bridge->stop(m_ticket);  // the rest is not wanted: free the engine
    }
}

void CompletionClient::onFinished(quint64 ticket, const app::MessageStats& stats, app::MessageStatus status)
{
    Q_UNUSED(status);
    if (ticket != m_ticket) return;
    m_current.totalMs = double(m_clock.nsecsElapsed()) / 1e6;
    m_current.generatedTokens = stats.generatedTokens;
    m_current.promptTokens = stats.promptTokens;
    m_current.cachedPromptTokens = stats.cachedPromptTokens;
    showGenerated(true);
    if (!m_editor->hasVisibleSuggestion()) m_editor->clearSuggestion();
    m_ticket = 0;
    m_last = m_current;
    emit finished(m_last);
}

void CompletionClient::onFailed(quint64 ticket, const QString& message)
{
    if (ticket != m_ticket) return;
    m_ticket = 0;
    m_editor->clearSuggestion();
    emit failed(message);
}

}  // namespace fathom::ui
