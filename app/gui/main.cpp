// `fathom`: the desktop app. Also `fathom --version`, and `fathom --screenshot FILE.png
// [--open-conversation ID] [--theme light|dark] [--database FILE] [--page chat|models]`, which renders
// the main window offscreen at a fixed size once everything it shows has loaded, saves it and exits.
#include "app/hub/download_service.h"
#include "app/services/app_startup.h"
#include "app/services/chat_session.h"
#include "app/services/chat_store.h"
#include "app/services/engine_bridge.h"
#include "ui/chat/chat_view.h"
#include "ui/main/main_window.h"
#include "ui/models/models_page.h"

#include "fathom_version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstring>

namespace {

constexpr int kScreenshotWidth = 1280;
constexpr int kScreenshotHeight = 800;
constexpr int kScreenshotTimeoutMs = 30000;

bool hasArg(int argc, char** argv, const char* name)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv)
{
    if (hasArg(argc, argv, "--version")) {  // no display needed
        std::printf("fathom %s\n", FATHOM_VERSION);
        return 0;
    }
    // A screenshot needs no display: render offscreen unless the caller chose a platform.
    if (hasArg(argc, argv, "--screenshot") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("fathom"));
    QApplication::setApplicationDisplayName(QStringLiteral("Fathom"));
    QApplication::setApplicationVersion(QStringLiteral(FATHOM_VERSION));
    // The desktop file's and icon's reverse-DNS id (packaging/): Wayland matches windows to it.
    QApplication::setDesktopFileName(QStringLiteral("io.github.fathom_app.Fathom"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("io.github.fathom_app.Fathom")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Fathom: a desktop chat and code assistant"));
    parser.addHelpOption();
    parser.addOption({QStringLiteral("version"), QStringLiteral("Print the version and exit.")});
    parser.addOption({QStringLiteral("screenshot"), QStringLiteral("Save the main window to FILE.png and exit."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("open-conversation"), QStringLiteral("Start on conversation ID."),
                      QStringLiteral("ID")});
    parser.addOption({QStringLiteral("theme"), QStringLiteral("light, dark or system (overrides the setting)."),
                      QStringLiteral("THEME")});
    parser.addOption({QStringLiteral("database"), QStringLiteral("Use this chat database instead of the default."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("page"), QStringLiteral("Start on this page: chat (default) or models."),
                      QStringLiteral("PAGE")});
    parser.addOption({QStringLiteral("no-model"), QStringLiteral("Do not load the default model at start.")});
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Source files to open in the editor."),
                                 QStringLiteral("[FILE...]"));
    parser.process(app);

    fathom::ui::StartOptions options;
    options.databasePath = parser.value(QStringLiteral("database"));
    if (options.databasePath.isEmpty()) {
        // Before the window exists: the storage thread opens the file and expects its folder.
        options.databasePath = fathom::app::ChatStore::defaultPath();
        QDir().mkpath(QFileInfo(options.databasePath).absolutePath());
    }
    if (parser.isSet(QStringLiteral("open-conversation"))) {
        bool ok = false;
        options.openConversation = parser.value(QStringLiteral("open-conversation")).toLongLong(&ok);
        if (!ok || options.openConversation <= 0) {
            std::fprintf(stderr, "fathom: --open-conversation needs a conversation id (a positive number)\n");
            return 1;
        }
    }
    if (parser.isSet(QStringLiteral("theme"))) options.theme = fathom::ui::Theme::parse(parser.value(QStringLiteral("theme")));
    options.loadDefaultModel = !parser.isSet(QStringLiteral("no-model"));
    // `fathom FILE...`: what the desktop file's MIME association runs (Exec=fathom %F).
    for (const QString& file : parser.positionalArguments()) {
        const QFileInfo info(file);
        if (!info.isFile() || !info.isReadable()) {
            std::fprintf(stderr, "fathom: %s: no such readable file\n", qPrintable(file));
            return 1;
        }
        options.openFiles << info.absoluteFilePath();
    }
    const QString screenshot = parser.value(QStringLiteral("screenshot"));
    const QString page = parser.value(QStringLiteral("page"));
    if (!page.isEmpty() && page != QLatin1String("chat") && page != QLatin1String("models")) {
        std::fprintf(stderr, "fathom: --page takes chat or models, not %s\n", qPrintable(page));
        return 1;
    }

    fathom::app::ChatStore store;
    fathom::app::EngineBridge bridge;
    fathom::app::ChatSession session(&store, &bridge);
    fathom::app::AppStartup startup(&store, &bridge, &session);
    fathom::ui::MainWindow window(&store, &bridge, &session, &startup);
    // Downloads and cache scans run on the service's own thread; unfinished downloads of the last
    // run come back from the app database.
    fathom::app::DownloadService::Config downloads;
    downloads.databasePath = options.databasePath;
    fathom::app::DownloadService downloadService(downloads);
    window.modelsPage()->setDownloadService(&downloadService);
    if (page == QLatin1String("models")) window.showModels();

    if (screenshot.isEmpty()) {
        window.start(options);
        window.show();
        return app.exec();
    }

    window.setFixedSize(kScreenshotWidth, kScreenshotHeight);
    window.show();
    int status = 2;
    auto capture = [&] {
        window.chatView()->flush();
        // Let layouts settle (heights of messages depend on their final width).
        QTimer::singleShot(100, &window, [&] {
            const QPixmap shot = window.grab();
            if (shot.save(screenshot, "PNG")) {
                status = 0;
            } else {
                std::fprintf(stderr, "fathom: %s: could not write the screenshot\n", qPrintable(screenshot));
                status = 1;
            }
            app.quit();
        });
    };
    // Both the window (chats, model scan, model load) and the models page's cache scan have answered.
    bool captured = false;
    auto captureWhenSettled = [&] {
        if (captured || !window.isSettled() || !window.modelsPage()->isSettled()) return;
        captured = true;
        capture();
    };
    QObject::connect(&window, &fathom::ui::MainWindow::settled, &window, captureWhenSettled);
    QObject::connect(window.modelsPage(), &fathom::ui::ModelsPage::settled, &window, captureWhenSettled);
    QTimer::singleShot(kScreenshotTimeoutMs, &window, [&] {
        std::fprintf(stderr, "fathom: the window did not finish loading within %d s; saving it as it is\n",
                     kScreenshotTimeoutMs / 1000);
        capture();
    });
    window.start(options);
    app.exec();
    return status;
}
