// Renders the main window offscreen on the code editor with a live ghost-text suggestion from the
// embedded tiny coder and saves it: `editor_screenshot OUT.png [light|dark]` (docs/screenshot-editor.png).
#include "app/services/app_startup.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "ui/editor/code_editor.h"
#include "ui/editor/completion_client.h"
#include "ui/editor/editor_page.h"
#include "ui/main/main_window.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

namespace {

const char* kFile =
    "\"\"\"Two-dimensional vectors.\"\"\"\n"
    "import math\n"
    "\n"
    "\n"
    "class Vector:\n"
    "    \"\"\"A vector in the plane.\"\"\"\n"
    "\n"
    "    def __init__(self, x, y):\n"
    "        self.x = x\n"
    "        self.y = y\n"
    "\n"
    "    def __add__(self, other):\n"
    "        return Vector(self.x + other.x, self.y + other.y)\n"
    "\n"
    "    def __sub__(self, other):\n"
    "        return Vector(self.x - other.x, self.y - other.y)\n"
    "\n"
    "    def length(self):\n"
    "        return math.hypot(self.x, self.y)\n"
    "\n"
    "    ";

const char* kRest =
    "\n"
    "\n"
    "    def __repr__(self):\n"
    "        return \"Vector(%r, %r)\" % (self.x, self.y)\n";

}  // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("fathom-editor-screenshot"));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("screenshot-editor.png");
    const bool dark = argc > 2 && QString::fromLocal8Bit(argv[2]) == QLatin1String("dark");

    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("vector.py")));
    if (!file.open(QIODevice::WriteOnly)) return 2;
    // FATHOM_SCREENSHOT_CURSOR_LINE replaces the last line (where the cursor ends), to try others.
    QByteArray head(kFile);
    if (qEnvironmentVariableIsSet("FATHOM_SCREENSHOT_CURSOR_LINE"))
        head = head.left(head.lastIndexOf('\n') + 1) + qgetenv("FATHOM_SCREENSHOT_CURSOR_LINE");
    file.write(head);
    file.write(kRest);
    file.close();

    // The app's own bridge and start-up: the window loads the embedded tiny coder as the default model.
    fathom::app::EngineBridge bridge;
    fathom::app::ChatStore store;
    fathom::app::ChatSession session(&store, &bridge);
    fathom::app::AppStartup startup(&store, &bridge, &session);
    fathom::ui::MainWindow window(&store, &bridge, &session, &startup);
    window.setFixedSize(1280, 800);
    window.show();
    QSignalSpy settled(&window, &fathom::ui::MainWindow::settled);
    fathom::ui::StartOptions options;
    options.databasePath = dir.filePath(QStringLiteral("chats.db"));
    options.theme = dark ? fathom::ui::ThemeMode::Dark : fathom::ui::ThemeMode::Light;
    window.start(options);
    if (!settled.wait(60000) || !bridge.isLoaded()) {
        std::fprintf(stderr, "editor_screenshot: the embedded model did not load\n");
        return 1;
    }
    fathom::ui::EditorPage* page = window.editorPage();
    fathom::ui::CodeEditor* editor = page->openFile(file.fileName());
    if (!editor) return 1;
    window.showEditor();
    QTextCursor c = editor->textCursor();
    c.setPosition(int(QString::fromUtf8(head).size()));
    editor->setTextCursor(c);
    editor->setFocus();
    fathom::ui::CompletionClient* client = page->clientFor(editor);
    client->setMaxTokens(64);
    QSignalSpy finished(client, &fathom::ui::CompletionClient::finished);
    client->requestNow();
    if (!finished.wait(30000) || !editor->hasVisibleSuggestion()) {
        std::fprintf(stderr, "editor_screenshot: no suggestion appeared\n");
        return 1;
    }
    QTest::qWait(200);
    if (!window.grab().save(out, "PNG")) {
        std::fprintf(stderr, "editor_screenshot: %s: could not write the file\n", qPrintable(out));
        return 1;
    }
    std::printf("%s\n", qPrintable(out));
    return 0;
}
