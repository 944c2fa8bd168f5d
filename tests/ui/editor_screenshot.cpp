// Renders the main window offscreen on the code editor with a live ghost-text suggestion from the
// embedded tiny coder and saves it: `editor_screenshot OUT.png [light|dark]` (docs/screenshot-editor.png).
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "tests/ui/editor_test_fixture.h"
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
    "\"\"\"Small helpers for reading and writing text files.\"\"\"\n"
    "import os\n"
    "\n"
    "\n"
    "def read_lines(path, strip=True):\n"
    "    \"\"\"Return the lines of a text file.\"\"\"\n"
    "    with open(path, encoding=\"utf-8\") as f:\n"
    "        lines = f.readlines()\n"
    "    if strip:\n"
    "        lines = [line.rstrip(\"\\n\") for line in lines]\n"
    "    return lines\n"
    "\n"
    "\n"
    "def write_lines(path, lines):\n"
    "    \"\"\"Write lines to a text file, one per line.\"\"\"\n"
    "    with open(path, \"w\", encoding=\"utf-8\") as f:\n"
    "        for line in lines:\n"
    "            f.write(line + \"\\n\")\n"
    "\n"
    "\n"
    "def count_words(path):\n"
    "    \"\"\"Return the number of words in a text file.\"\"\"\n"
    "    ";

const char* kRest =
    "\n"
    "\n"
    "\n"
    "if __name__ == \"__main__\":\n"
    "    print(count_words(os.path.abspath(__file__)))\n";

}  // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("fathom-editor-screenshot"));
    const QString out = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("screenshot-editor.png");
    const bool dark = argc > 2 && QString::fromLocal8Bit(argv[2]) == QLatin1String("dark");

    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("textio.py")));
    if (!file.open(QIODevice::WriteOnly)) return 2;
    file.write(kFile);
    file.write(kRest);
    file.close();

    QString error;
    auto bridge = fathom::test::loadedBridge(fathom::test::tinyCoderDir(), &error);
    if (!bridge) {
        std::fprintf(stderr, "editor_screenshot: %s\n", qPrintable(error));
        return 1;
    }
    fathom::app::ChatStore store;
    fathom::app::ChatSession session(&store, bridge.get());
    fathom::ui::MainWindow window(&store, bridge.get(), &session);
    window.setFixedSize(1280, 800);
    window.show();
    QSignalSpy settled(&window, &fathom::ui::MainWindow::settled);
    fathom::ui::StartOptions options;
    options.databasePath = dir.filePath(QStringLiteral("chats.db"));
    options.theme = dark ? fathom::ui::ThemeMode::Dark : fathom::ui::ThemeMode::Light;
    options.loadDefaultModel = false;  // the bridge above already holds the tiny coder
    window.start(options);
    if (!settled.wait(30000)) std::fprintf(stderr, "editor_screenshot: window not settled; going on\n");

    window.showEditor();
    fathom::ui::EditorPage* page = window.editorPage();
    fathom::ui::CodeEditor* editor = page->openFile(file.fileName());
    if (!editor) return 1;
    QTextCursor c = editor->textCursor();
    c.setPosition(int(QString::fromUtf8(kFile).size()));
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
