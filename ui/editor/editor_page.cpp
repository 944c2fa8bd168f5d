// EditorPage: files are read and written whole on the GUI thread, so both are capped (source files,
// not logs); recent files are a UI list kept in QSettings, not in the chat database.
#include "ui/editor/editor_page.h"

#include "app/services/engine_bridge.h"
#include "ui/editor/code_editor.h"
#include "ui/editor/find_bar.h"

#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QSaveFile>
#include <QSettings>
#include <QShortcut>
#include <QStringDecoder>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace fathom::ui {

namespace {
constexpr qint64 kMaxFileBytes = 16 * 1024 * 1024;
constexpr int kMaxRecent = 12;
const char* kRecentKey = "editor/recent_files";
}  // namespace

EditorPage::EditorPage(app::EngineBridge* chatBridge, QWidget* parent)
    : QWidget(parent), m_chatBridge(chatBridge), m_tabs(new QTabWidget(this)), m_find(new FindBar(this)),
      m_status(new QLabel(this)), m_recentButton(new QToolButton(this)), m_recentMenu(new QMenu(this))
{
    setObjectName(QStringLiteral("editorPage"));
    setAcceptDrops(true);

    auto* bar = new QWidget(this);
    bar->setObjectName(QStringLiteral("editorToolbar"));
    auto* b = new QHBoxLayout(bar);
    b->setContentsMargins(8, 6, 8, 6);
    auto button = [&](const QString& text, const QString& tip, auto slot) {
        auto* t = new QToolButton(bar);
        t->setText(text);
        t->setToolTip(tip);
        t->setAutoRaise(true);
        connect(t, &QToolButton::clicked, this, slot);
        b->addWidget(t);
        return t;
    };
    button(tr("New"), tr("New file"), [this] { newFile(); });
    button(tr("Open…"), tr("Open a file (Ctrl+O)"), &EditorPage::openWithDialog);
    m_recentButton->setText(tr("Recent"));
    m_recentButton->setAutoRaise(true);
    m_recentButton->setMenu(m_recentMenu);
    m_recentButton->setPopupMode(QToolButton::InstantPopup);
    b->addWidget(m_recentButton);
    button(tr("Save"), tr("Save (Ctrl+S)"), &EditorPage::saveCurrent);
    button(tr("Save as…"), tr("Save under another name (Ctrl+Shift+S)"), &EditorPage::saveCurrentAs);
    b->addStretch(1);
    auto* hint = new QLabel(tr("Tab accepts · Ctrl+→ word · Ctrl+↓ line · Esc dismisses · Ctrl+Space asks"), bar);
    hint->setObjectName(QStringLiteral("editorHint"));
    b->addWidget(hint);

    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setDocumentMode(true);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &EditorPage::closeTab);
    connect(m_tabs, &QTabWidget::currentChanged, this, &EditorPage::onCurrentChanged);

    m_find->hide();
    m_status->setObjectName(QStringLiteral("completionStatus"));
    auto* statusRow = new QHBoxLayout;
    statusRow->setContentsMargins(10, 2, 10, 4);
    statusRow->addStretch(1);
    statusRow->addWidget(m_status);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_find);
    layout->addLayout(statusRow);

    auto shortcut = [this](const QKeySequence& keys, auto slot) {
        auto* s = new QShortcut(keys, this);
        s->setContext(Qt::WidgetWithChildrenShortcut);
        connect(s, &QShortcut::activated, this, slot);
    };
    shortcut(QKeySequence::Open, &EditorPage::openWithDialog);
    shortcut(QKeySequence::Save, &EditorPage::saveCurrent);
    shortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), &EditorPage::saveCurrentAs);
    shortcut(QKeySequence::Find, [this] { m_find->open(false); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_H), [this] { m_find->open(true); });
    shortcut(QKeySequence::FindNext, [this] { m_find->findNext(); });
    shortcut(QKeySequence(Qt::CTRL | Qt::Key_W), [this] { closeTab(m_tabs->currentIndex()); });
    rebuildRecentMenu();
    m_status->setText(tr("Completion: waiting for a model"));
    if (m_chatBridge) {
        connect(m_chatBridge, &app::EngineBridge::modelLoaded, this, [this] {
            if (!m_ownBridge) m_status->setText(tr("Completion: %1").arg(m_chatBridge->modelName()));
        });
        if (m_chatBridge->isLoaded()) m_status->setText(tr("Completion: %1").arg(m_chatBridge->modelName()));
    }
}

EditorPage::~EditorPage()
{
    // Clients stop their requests before the bridge they use goes away, and the editors go while
    // this page's members (m_clients) still exist.
    for (CompletionClient* c : std::as_const(m_clients)) c->setBridge(nullptr);
    while (m_tabs->count() > 0) {
        QWidget* w = m_tabs->widget(0);
        m_tabs->removeTab(0);
        delete w;
    }
}

app::EngineBridge* EditorPage::completionBridge() const
{
    return m_ownBridge ? m_ownBridge.get() : m_chatBridge;
}

CodeEditor* EditorPage::currentEditor() const { return qobject_cast<CodeEditor*>(m_tabs->currentWidget()); }
int EditorPage::editorCount() const { return m_tabs->count(); }
CodeEditor* EditorPage::editorAt(int index) const { return qobject_cast<CodeEditor*>(m_tabs->widget(index)); }
CompletionClient* EditorPage::clientFor(const CodeEditor* editor) const { return m_clients.value(editor); }

CodeEditor* EditorPage::addEditor(CodeEditor* editor, const QString& title)
{
    editor->setColorScheme(m_scheme);
    auto* client = new CompletionClient(editor, completionBridge(), editor);
    configure(client);
    m_clients.insert(editor, client);
    connect(client, &CompletionClient::finished, this, &EditorPage::showMetrics);
    connect(client, &CompletionClient::failed, this, [this](const QString& message) {
        m_status->setText(tr("Completion failed: %1").arg(message));
    });
    connect(editor, &CodeEditor::filesDropped, this, &EditorPage::openUrls);
    connect(editor->document(), &QTextDocument::modificationChanged, this, [this, editor] { updateTabTitle(editor); });
    connect(editor, &QObject::destroyed, this, [this, editor] { m_clients.remove(editor); });
    const int index = m_tabs->addTab(editor, title);
    m_tabs->setCurrentIndex(index);
    updateTabTitle(editor);
    editor->setFocus();
    return editor;
}

CodeEditor* EditorPage::newFile(const QString& language)
{
    auto* editor = new CodeEditor(m_tabs);
    editor->setLanguage(language);
    return addEditor(editor, QString());
}

CodeEditor* EditorPage::openFile(const QString& path)
{
    const QString full = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (editorAt(i) && editorAt(i)->filePath() == full) {
            m_tabs->setCurrentIndex(i);
            return editorAt(i);
        }
    }
    QFile file(full);
    QString problem;
    QByteArray bytes;
    if (!QFileInfo(full).isFile()) problem = tr("is not a file");
    else if (file.size() > kMaxFileBytes) problem = tr("is %1 MB; the editor opens files up to %2 MB").arg(file.size() >> 20).arg(kMaxFileBytes >> 20);
    else if (!file.open(QIODevice::ReadOnly)) problem = tr("cannot be read: %1").arg(file.errorString());
    else bytes = file.readAll();
    QString text;
    if (problem.isEmpty() && bytes.contains('\0')) problem = tr("looks binary (it contains NUL bytes); the editor opens text files");
    if (problem.isEmpty()) {
        QStringDecoder utf8(QStringDecoder::Utf8);
        text = utf8(bytes);
        if (utf8.hasError()) problem = tr("is not UTF-8 text");
    }
    if (!problem.isEmpty()) {
        emit statusMessage(QStringLiteral("%1: %2").arg(full, problem));
        return nullptr;
    }
    auto* editor = new CodeEditor(m_tabs);
    editor->setFilePath(full);
    editor->setLanguage(CodeEditor::languageForFile(full));
    editor->setPlainText(text);
    editor->document()->setModified(false);
    addEditor(editor, QFileInfo(full).fileName());
    addRecent(full);
    return editor;
}

bool EditorPage::save(CodeEditor* editor)
{
    if (!editor) return false;
    if (editor->filePath().isEmpty()) {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save file"));
        return !path.isEmpty() && saveAs(editor, path);
    }
    return saveAs(editor, editor->filePath());
}

bool EditorPage::saveAs(CodeEditor* editor, const QString& path)
{
    const QString full = QFileInfo(path).absoluteFilePath();
    QSaveFile file(full);  // written beside and renamed: a failed save leaves the old file whole
    const QByteArray bytes = editor->toPlainText().toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        emit statusMessage(tr("%1: could not be saved: %2").arg(full, file.errorString()));
        return false;
    }
    const bool renamed = editor->filePath() != full;
    editor->setFilePath(full);
    if (renamed) editor->setLanguage(CodeEditor::languageForFile(full));
    editor->document()->setModified(false);
    updateTabTitle(editor);
    addRecent(full);
    emit statusMessage(tr("Saved %1").arg(full));
    return true;
}

void EditorPage::openWithDialog()
{
    for (const QString& path : QFileDialog::getOpenFileNames(this, tr("Open files"))) openFile(path);
}

void EditorPage::saveCurrent() { save(currentEditor()); }

void EditorPage::saveCurrentAs()
{
    if (CodeEditor* e = currentEditor()) {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save file as"), e->filePath());
        if (!path.isEmpty()) saveAs(e, path);
    }
}

bool EditorPage::closeTab(int index)
{
    CodeEditor* editor = editorAt(index);
    if (!editor) return false;
    if (editor->document()->isModified()) {
        const auto answer = QMessageBox::question(this, tr("Unsaved changes"),
            tr("%1 has changes that are not saved.").arg(m_tabs->tabText(index)),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        if (answer == QMessageBox::Cancel || (answer == QMessageBox::Save && !save(editor))) return false;
    }
    m_tabs->removeTab(index);
    editor->deleteLater();
    return true;
}

void EditorPage::updateTabTitle(CodeEditor* editor)
{
    const int index = m_tabs->indexOf(editor);
    if (index < 0) return;
    QString title = editor->filePath().isEmpty() ? tr("untitled") : QFileInfo(editor->filePath()).fileName();
    if (editor->document()->isModified()) title += QStringLiteral(" •");
    m_tabs->setTabText(index, title);
    m_tabs->setTabToolTip(index, editor->filePath());
}

void EditorPage::onCurrentChanged()
{
    m_find->setEditor(currentEditor());
}

// ---- recent files, drops ----------------------------------------------------------------------

QStringList EditorPage::recentFiles() const
{
    return QSettings().value(QLatin1String(kRecentKey)).toStringList();
}

void EditorPage::addRecent(const QString& path)
{
    QStringList list = recentFiles();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent) list.removeLast();
    QSettings().setValue(QLatin1String(kRecentKey), list);
    rebuildRecentMenu();
}

void EditorPage::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList list = recentFiles();
    for (const QString& path : list)
        m_recentMenu->addAction(QFileInfo(path).fileName() + QStringLiteral("  —  ") + QFileInfo(path).path(),
                                this, [this, path] { openFile(path); });
    if (list.isEmpty()) m_recentMenu->addAction(tr("No recent files"))->setEnabled(false);
}

void EditorPage::openUrls(const QList<QUrl>& urls)
{
    for (const QUrl& url : urls)
        if (url.isLocalFile()) openFile(url.toLocalFile());
}

void EditorPage::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void EditorPage::dropEvent(QDropEvent* event)
{
    if (!event->mimeData()->hasUrls()) return;
    event->acceptProposedAction();
    openUrls(event->mimeData()->urls());
}

// ---- completion settings and status -----------------------------------------------------------

void EditorPage::configure(CompletionClient* client) const
{
    client->setAutoTrigger(m_autoComplete);
    client->setDebounceMs(m_debounceMs);
    client->setMaxTokens(m_maxTokens);
}

void EditorPage::applySettings(const QVariantMap& settings)
{
    m_autoComplete = settings.value(QStringLiteral("editor.fim_enabled"), true).toBool();
    m_debounceMs = settings.value(QStringLiteral("editor.fim_debounce_ms"), 250).toInt();
    m_maxTokens = settings.value(QStringLiteral("editor.fim_max_tokens"), 64).toInt();
    const QString model = settings.value(QStringLiteral("editor.fim_model")).toString();
    if (model.isEmpty() && m_ownBridge) {
        for (CompletionClient* c : std::as_const(m_clients)) c->setBridge(m_chatBridge);
        m_ownBridge.reset();
        m_ownModel.clear();
    } else if (!model.isEmpty() && model != m_ownModel) {
        for (CompletionClient* c : std::as_const(m_clients)) c->setBridge(nullptr);
        m_ownBridge = std::make_unique<app::EngineBridge>();
        m_ownModel = model;
        connect(m_ownBridge.get(), &app::EngineBridge::modelLoaded, this,
                [this](const QString& name) { m_status->setText(tr("Completion: %1").arg(name)); });
        connect(m_ownBridge.get(), &app::EngineBridge::modelLoadFailed, this, [this](const QString& message) {
            m_status->setText(tr("Completion model failed to load: %1").arg(message));
        });
        inference::EngineOptions options;
        const QString backend = settings.value(QStringLiteral("engine.backend")).toString();
        options.backend = backend == QLatin1String("cpu")    ? inference::Backend::Cpu
                          : backend == QLatin1String("cuda") ? inference::Backend::Cuda
                                                              : inference::Backend::Auto;
        options.threads = settings.value(QStringLiteral("engine.cpu_threads"), 0).toInt();
        m_ownBridge->loadModel(model, options);
        m_status->setText(tr("Completion: loading %1…").arg(QFileInfo(model).fileName()));
        for (CompletionClient* c : std::as_const(m_clients)) c->setBridge(m_ownBridge.get());
    }
    for (CompletionClient* c : std::as_const(m_clients)) configure(c);
}

void EditorPage::showMetrics(const CompletionMetrics& m)
{
    const QString first = m.firstTextMs >= 0 ? tr("%1 ms to first text, ").arg(m.firstTextMs, 0, 'f', 0) : QString();
    m_status->setText(tr("Last completion: %1%2 ms in all · %3 tokens · prompt %4 (%5 cached)")
                          .arg(first)
                          .arg(m.totalMs, 0, 'f', 0)
                          .arg(m.generatedTokens)
                          .arg(m.promptTokens)
                          .arg(m.cachedPromptTokens));
}

void EditorPage::setColorScheme(ColorScheme scheme)
{
    m_scheme = scheme;
    for (int i = 0; i < m_tabs->count(); ++i)
        if (CodeEditor* e = editorAt(i)) e->setColorScheme(scheme);
}

}  // namespace fathom::ui
