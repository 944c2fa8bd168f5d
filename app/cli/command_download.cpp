// `fathom-cli download`: one hub repo into the HF cache through the same DownloadManager the app uses.
// Progress goes to stderr (one updating line on a terminal, plain lines otherwise); the snapshot
// folder is printed on stdout at the end, so scripts can `MODEL=$(fathom-cli download ...)`.
#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "app/hub/download_manager.h"
#include "app/hub/hub_names.h"
#include "base/error.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSet>

#include <cstdio>
#include <unistd.h>

namespace fathom::cli {

namespace {

QString etaText(qint64 seconds)
{
    if (seconds < 0)
        return QStringLiteral("--:--");
    return seconds >= 3600 ? QStringLiteral("%1:%2:%3").arg(seconds / 3600).arg(seconds / 60 % 60, 2, 10, QChar(u'0')).arg(seconds % 60, 2, 10, QChar(u'0'))
                           : QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QChar(u'0'));
}

}  // namespace

int runDownload(int argc, char** argv)
{
    const CliArgs args(argc, argv, 2, {}, {"repo", "revision", "endpoint", "cache", "include", "token", "parallel", "stall-seconds"});
    const QString repo = QString::fromStdString(args.get("repo"));
    const QString revision = QString::fromStdString(args.get("revision", "main"));
    app::checkRepoId(repo);
    app::checkRevision(revision);
    const QString endpoint = QString::fromStdString(args.get("endpoint", app::HubEndpoint::defaultEndpoint().toStdString()));
    const QString token = args.has("token") ? QString::fromStdString(args.get("token")) : app::HubEndpoint::defaultToken();
    const QString cacheDir = QString::fromStdString(args.get("cache", app::HubCache::defaultRoot().toStdString()));
    // Several patterns: --include 'a*,b*' (fnmatch, like huggingface-cli's --include).
    QStringList globs;
    if (args.has("include"))
        globs = QString::fromStdString(args.get("include")).split(u',', Qt::SkipEmptyParts);
    const app::HubEndpoint hub(endpoint, token);
    if (!hub.base().isValid() || (hub.base().scheme() != u"https" && hub.base().scheme() != u"http"))
        throwUserError("--endpoint '" + endpoint.toStdString() + "' is not an http(s) URL");
    app::DownloadManager::Options options;
    options.maxParallelFiles = int(args.getInt("parallel", options.maxParallelFiles, 1, 64));
    options.stallTimeoutMs = int(args.getDouble("stall-seconds", options.stallTimeoutMs / 1000.0) * 1000);
    if (options.maxParallelFiles < 1 || options.maxParallelFiles > 64 || options.stallTimeoutMs < 100)
        throwUserError("--parallel must be 1..64 and --stall-seconds at least 0.1");

    int qargc = 1;
    char* qargv[] = {argv[0], nullptr};
    QCoreApplication qapp(qargc, qargv);
    app::DownloadManager manager{app::HubCache(cacheDir), hub};
    manager.setOptions(options);

    const bool tty = ::isatty(STDERR_FILENO);
    QString failure, snapshot;
    QSet<QString> files, doneFiles;
    QElapsedTimer sinceLine;
    sinceLine.start();
    auto line = [&](const QString& text) {
        if (tty)
            std::fprintf(stderr, "\r\x1b[K%s", qPrintable(text));
        else
            std::fprintf(stderr, "%s\n", qPrintable(text));
        std::fflush(stderr);
    };
    auto endLine = [&]() {
        if (tty)
            std::fputs("\n", stderr);
    };
    QObject::connect(&manager, &app::DownloadManager::fileStateChanged, &qapp,
                     [&](const QString&, const QString& path, app::DownloadManager::FileState state, const QString& why) {
                         using FS = app::DownloadManager::FileState;
                         files.insert(path);
                         if (state == FS::Done && !doneFiles.contains(path)) {
                             doneFiles.insert(path);
                             if (!tty)
                                 line(QStringLiteral("done %1").arg(path));
                         }
                         if (state == FS::Retrying) {
                             line(QStringLiteral("retrying: %1").arg(why));
                             endLine();
                         }
                     });
    QObject::connect(&manager, &app::DownloadManager::jobProgress, &qapp,
                     [&](const QString&, qint64 done, qint64 total, double speed, qint64 eta) {
                         if (!tty && sinceLine.elapsed() < 10000)
                             return;
                         sinceLine.restart();
                         const double pct = total > 0 ? 100.0 * double(done) / double(total) : 0;
                         line(QStringLiteral("%1  %2%  %3 / %4  %5/s  ETA %6  [%7/%8 files]")
                                  .arg(repo)
                                  .arg(pct, 5, 'f', 1)
                                  .arg(app::formatBytes(done), app::formatBytes(total), app::formatBytes(qint64(speed)), etaText(eta))
                                  .arg(doneFiles.size())
                                  .arg(files.size()));
                     });
    QObject::connect(&manager, &app::DownloadManager::jobFinished, &qapp, [&](const QString&, const QString& dir) {
        snapshot = dir;
        qapp.quit();
    });
    QObject::connect(&manager, &app::DownloadManager::jobFailed, &qapp, [&](const QString&, const QString& why) {
        failure = why;
        qapp.quit();
    });
    QMetaObject::invokeMethod(&manager, [&]() { manager.download(repo, revision, globs); }, Qt::QueuedConnection);
    qapp.exec();
    endLine();
    if (!failure.isEmpty())
        throwUserError(failure.toStdString());
    std::fprintf(stderr, "%s: %d files in %s\n", qPrintable(repo), int(doneFiles.size()), qPrintable(snapshot));
    std::printf("%s\n", qPrintable(snapshot));
    return 0;
}

}  // namespace fathom::cli
