// Human text on the model manager page: sizes, speeds, durations ("31.4 GB", "2 min 5 s") and paths ("~/...").
#pragma once

#include <QCoreApplication>
#include <QDir>
#include <QString>

namespace fathom::ui {

// Decimal units, as the hub and disk vendors count (31 420 000 000 bytes = "31.4 GB").
inline QString formatBytes(qint64 bytes)
{
    static const char* const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    return u == 0 ? QStringLiteral("%1 B").arg(bytes)
                  : QStringLiteral("%1 %2").arg(v, 0, 'f', v < 10 ? 2 : (v < 100 ? 1 : 0)).arg(QLatin1String(units[u]));
}

inline QString formatDuration(qint64 seconds)
{
    if (seconds < 0) return QCoreApplication::translate("fathom::ui", "unknown time");
    if (seconds < 60) return QCoreApplication::translate("fathom::ui", "%1 s").arg(seconds);
    if (seconds < 3600)
        return QCoreApplication::translate("fathom::ui", "%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return QCoreApplication::translate("fathom::ui", "%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

// A folder as the user knows it: native separators, the home folder as "~".
inline QString displayPath(const QString& path)
{
    const QString home = QDir::homePath();
    QString p = path;
    if (home.size() > 1 && (p == home || p.startsWith(home + u'/'))) p = u'~' + p.mid(home.size());
    return QDir::toNativeSeparators(p);
}

}  // namespace fathom::ui
